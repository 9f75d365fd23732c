/**
 * The router a plan is for: its declared RouterOS version and board, and what follows (the Wi-Fi stack,
 * property names). A declaration asking for what that router cannot do fails here, at plan time, naming
 * the device, its version and board, and the feature, before anything is written.
 */
import {
  atLeast,
  boardPorts,
  minimumVersion,
  parseRouterOsVersion,
  unsupportedRouterOsVersion,
  wifiStack,
  type RouterOsBoard,
  type WifiStack,
} from './routeros-capabilities.ts';
import type { Device } from '../inventory/types.ts';
import { routerPortName } from './names.ts';
import { PlanError } from './types.ts';

export interface RouterTarget {
  /** Declared version, or undefined (planned for a current router; the providers adapt at run time). */
  version: number[] | undefined;
  board: RouterOsBoard | undefined;
  wifi: WifiStack;
  /** `core-router (hap-ac2, RouterOS 7.16)`, for messages. */
  label: string;
}

/** A version new enough for everything, when none is declared. */
const CURRENT = [7, 20, 0];

export function routerTarget(device: Device): RouterTarget {
  const declared = device.routeros?.version;
  const version = declared === undefined ? undefined : parseRouterOsVersion(declared);
  const board = device.routeros?.board;
  const label = `${device.name} (${
    [board, declared === undefined ? undefined : `RouterOS ${declared}`]
      .filter((x) => x !== undefined)
      .join(', ') || 'RouterOS version not declared'
  })`;
  const outside = declared === undefined ? undefined : unsupportedRouterOsVersion(declared);
  if (outside !== undefined)
    throw new PlanError(
      `devices[${device.name}].routeros.version: router ${label}: ${outside} (leave the version out to plan for a current router; the providers read the router's own version at run time)`,
    );
  if (board !== undefined && version !== undefined && !atLeast(version, minimumVersion(board)))
    throw new PlanError(
      `router ${label}: the ${board} does not run RouterOS ${declared}; it needs ${minimumVersion(board)} or later`,
    );
  if (board !== undefined) {
    const ports = boardPorts(board);
    const named = [
      ...(device.wan === undefined ? [] : [['wan', device.wan] as const]),
      ...(device.ports ?? []).map((p, i) => [`ports[${i}]`, routerPortName(p.port)] as const),
    ];
    for (const [field, port] of named)
      if (!ports.includes(port))
        throw new PlanError(
          `devices[${device.name}].${field}: router ${label} has no port ${port} (the ${board} has ${ports.join(', ')})`,
        );
  }
  if (board === 'hap-ax3' && device.wifiPackage === 'wireless')
    throw new PlanError(
      `router ${label}: the hap-ax3's 802.11ax radios have no legacy wireless driver; declare wifiPackage: wifi`,
    );
  return { version, board, wifi: wifiStack(version ?? CURRENT, board, device.wifiPackage), label };
}

/** Whether the declared version is at least `since` (true when no version is declared). */
export function targetAtLeast(t: RouterTarget, since: string): boolean {
  return t.version === undefined || atLeast(t.version, since);
}

/** Everything one RouterOS router should hold, from the declaration: the planners put together. */
import type { Device, SchoolDeclaration } from '../inventory/types.ts';
import { planAddressing } from './addressing.ts';
import { neededPolicies } from './routeros-capabilities.ts';
import { bridgeMembers, planBridge, planBridgeFiltering } from './bridge.ts';
import { planHardening } from './hardening.ts';
import { PlanError, type RouterPlan } from './types.ts';
import { planWifi } from './wifi.ts';
import { compileZonePolicy, zoneInterfaces } from './zones.ts';
import { toRouterRules } from './zones-routeros.ts';

export function routerDevices(decl: SchoolDeclaration): Device[] {
  return decl.devices.filter((d) => d.kind === 'router' && d.driver === 'routeros');
}

/** Menus that exist on some RouterOS versions and boards only (the Wi-Fi stacks). */
const VERSIONED_MENUS = new Set([
  '/interface/wifi',
  '/interface/wifi/security',
  '/interface/wifiwave2',
  '/interface/wifiwave2/security',
  '/interface/wireless',
  '/interface/wireless/security-profiles',
]);

export function planRouter(decl: SchoolDeclaration, device: Device): RouterPlan {
  if (device.driver !== 'routeros') throw new PlanError(`device ${device.name} is not a RouterOS router`);
  const wifi = planWifi(decl, device);
  const hardening = planHardening(decl, device);
  const bridge = planBridge(decl, device, bridgeMembers(decl, device, wifi.members));
  // In an order that respects every reference (the Pulumi graph follows `dependsOn`, not this order).
  const byMenu = (menu: string) => bridge.filter((o) => o.menu === menu);
  const addressing = planAddressing(decl, device);
  const before = [
    ...byMenu('/interface/bridge'),
    ...addressing,
    ...wifi.objects,
    ...byMenu('/interface/bridge/port'),
    ...byMenu('/interface/bridge/vlan'),
  ];
  // Filtering goes on only once the ports, the VLAN table, the VLAN interfaces and their addresses exist.
  const paths = new Set([
    '/interface/bridge/port',
    '/interface/bridge/vlan',
    '/interface/vlan',
    '/ip/address',
  ]);
  const filtering = planBridgeFiltering(
    device,
    before.filter((o) => paths.has(o.menu)).map((o) => o.role),
  );
  const objects = [...before, ...filtering, ...hardening.objects];
  const roles = new Set<string>();
  for (const o of objects) {
    if (roles.has(o.role))
      throw new PlanError(`two objects on router ${device.name} would share the role ${o.role}`);
    roles.add(o.role);
  }
  for (const o of objects)
    for (const d of o.dependsOn ?? [])
      if (!roles.has(d))
        throw new PlanError(
          `object ${o.role} on router ${device.name} depends on ${d}, which is not planned`,
        );
  const firewall = toRouterRules(compileZonePolicy(decl), zoneInterfaces(decl, device));
  const named = new Set(firewall.flatMap((r) => [r.props['in-interface'], r.props['out-interface']]));
  const firewallDependsOn = decl.networks
    .filter((n) => named.has(n.name))
    .map((n) => `vlan-${n.name}-interface`);
  const secrets = [...wifi.secrets, ...hardening.secrets].filter(
    (s, i, all) => all.findIndex((t) => t.ref === s.ref) === i,
  );
  const requires = neededPolicies(objects.some((o) => o.menu === '/user' || o.menu === '/user/group'));
  const assumes = [
    ...new Set(objects.filter((o) => VERSIONED_MENUS.has(o.menu)).map((o) => `menu:${o.menu}`)),
    ...(objects.some((o) => o.props['datapath.vlan-id'] !== undefined) ? ['datapath-vlan'] : []),
  ];
  return { device: device.name, objects, firewall, firewallDependsOn, secrets, requires, assumes };
}

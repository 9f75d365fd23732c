/** The declaration's networks and SSIDs, looked up the ways checks need them. */
import type { RouterWifi } from '../../devices/facts.ts';
import type { Network, NetworkRole, Ssid } from '../../inventory/types.ts';
import type { CheckContext } from '../types.ts';

/** Roles whose devices the school does not manage: shared passwords and internet-only access are expected. */
export const UNTRUSTED_GUEST_ROLES: readonly NetworkRole[] = ['guests', 'byod'];

export function networkByName(ctx: CheckContext, name: string): Network | undefined {
  return ctx.decl.networks.find((n) => n.name === name);
}

export function networkByVlan(ctx: CheckContext, vlan: number | undefined): Network | undefined {
  return vlan === undefined ? undefined : ctx.decl.networks.find((n) => n.vlan === vlan);
}

export function ssidDecl(ctx: CheckContext, ssid: string): Ssid | undefined {
  return ctx.decl.wifi.find((s) => s.ssid === ssid);
}

/** The network a live SSID belongs to: its declared network, else the network of the VLAN it lands in. */
export function wifiNetwork(ctx: CheckContext, w: RouterWifi): Network | undefined {
  const d = ssidDecl(ctx, w.ssid);
  return (d === undefined ? undefined : networkByName(ctx, d.network)) ?? networkByVlan(ctx, w.vlanId);
}

export function isGuestRole(role: NetworkRole | undefined): boolean {
  return role !== undefined && UNTRUSTED_GUEST_ROLES.includes(role);
}

/** `Demo-Staff (wifi1)`: SSIDs are often on several radios. */
export function wifiLabel(w: RouterWifi): string {
  return `${w.ssid} (${w.name})`;
}

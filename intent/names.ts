/** Names schoolnet gives the objects it creates on a router, derived from the declaration. */
import type { Device, Network, SchoolDeclaration } from '../inventory/types.ts';
import { PlanError } from './types.ts';

/** `Demo Staff` -> `demo-staff`: safe in RouterOS names and Pulumi resource names. */
export function slug(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
}

export function bridgeName(device: Device): string {
  return device.bridge ?? 'bridge1';
}

/** A switch-port number on a router means its Ethernet port (`2` -> `ether2`). */
export function routerPortName(port: number | string): string {
  return typeof port === 'number' ? `ether${port}` : port;
}

export function networkByName(decl: SchoolDeclaration, name: string, where: string): Network {
  const n = decl.networks.find((x) => x.name === name);
  if (!n) throw new PlanError(`${where} names network "${name}", which is not declared`);
  return n;
}

/** The comment every object schoolnet owns carries, so a person looking at the router knows. */
export function tag(role: string): string {
  return `schoolnet:${role}`;
}

/**
 * IPv4 address and CIDR arithmetic for the declaration's semantic checks (overlapping subnets, a
 * gateway inside its subnet, a DHCP pool inside its subnet). Addresses are handled as unsigned 32-bit
 * numbers; nothing here touches the network.
 */

export interface Cidr {
  /** The address as written, as a number (may have host bits set). */
  address: number;
  prefix: number;
  /** First address of the block (host bits cleared). */
  network: number;
  /** Last address of the block. */
  broadcast: number;
}

const OCTET = /^(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])$/;

/** `10.20.0.1` -> number, or undefined when it is not a dotted-quad IPv4 address. */
export function parseIpv4(text: string): number | undefined {
  const parts = text.split('.');
  if (parts.length !== 4 || !parts.every((p) => OCTET.test(p))) return undefined;
  // Multiplication, not bit shifts: shifts work on signed 32-bit integers in JavaScript.
  return parts.reduce((acc, p) => acc * 256 + Number(p), 0);
}

export function formatIpv4(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

/** `10.20.0.0/22` -> its block, or undefined when it is not IPv4 CIDR notation. */
export function parseCidr(text: string): Cidr | undefined {
  const slash = text.indexOf('/');
  if (slash < 0) return undefined;
  const address = parseIpv4(text.slice(0, slash));
  const prefixText = text.slice(slash + 1);
  if (address === undefined || !/^(3[0-2]|[12]?[0-9])$/.test(prefixText)) return undefined;
  const prefix = Number(prefixText);
  const size = 2 ** (32 - prefix);
  const network = Math.floor(address / size) * size;
  return { address, prefix, network, broadcast: network + size - 1 };
}

export function overlaps(a: Cidr, b: Cidr): boolean {
  return a.network <= b.broadcast && b.network <= a.broadcast;
}

export function contains(block: Cidr, address: number): boolean {
  return address >= block.network && address <= block.broadcast;
}

/** True when the address is a usable host: inside the block and, for blocks larger than /31, neither
 * the network nor the broadcast address. */
export function isHostIn(block: Cidr, address: number): boolean {
  if (!contains(block, address)) return false;
  if (block.prefix >= 31) return true;
  return address !== block.network && address !== block.broadcast;
}

export function formatCidr(block: Cidr): string {
  return `${formatIpv4(block.network)}/${block.prefix}`;
}

/**
 * The zone IR as nftables for a Linux router: one `table inet <name>` with a forward and an input chain,
 * replaced atomically (`nft -f` applies the whole script as one transaction). Every rule carries the same
 * `schoolnet:<id>` comment as its RouterOS twin.
 */
import { MANAGED_TAG, PlanError } from './types.ts';
import {
  formatPorts,
  type IrRule,
  type Service,
  type Zone,
  type ZoneInterfaces,
  type ZoneIr,
} from './zones.ts';

function quoteIfaces(names: string[]): string {
  for (const n of names)
    if (!/^[A-Za-z0-9_.@-]{1,15}$/.test(n))
      throw new PlanError(`interface name "${n}" cannot be used in nftables`);
  const q = names.map((n) => `"${n}"`);
  return q.length === 1 ? q[0]! : `{ ${q.join(', ')} }`;
}

function ifaceMatch(
  ifaces: ZoneInterfaces,
  zone: Zone | 'any',
  keyword: 'iifname' | 'oifname',
  rule: IrRule,
): string {
  if (zone === 'any') return '';
  const names = ifaces[zone];
  if (!names || names.length === 0) throw new PlanError(`rule ${rule.id}: zone ${zone} has no interface`);
  return `${keyword} ${quoteIfaces(names)} `;
}

/** One nftables match per protocol (a rule may name several services). */
function serviceMatches(services: Service[] | undefined): string[] {
  if (!services) return [''];
  const byProto = new Map<string, Service[]>();
  for (const s of services) byProto.set(s.proto, [...(byProto.get(s.proto) ?? []), s]);
  const out: string[] = [];
  for (const [proto, list] of byProto) {
    if (!['tcp', 'udp', 'icmp'].includes(proto))
      throw new PlanError(`a compiled rule cannot name protocol ${proto}`);
    if (proto === 'icmp' || list.some((s) => !s.ports)) {
      out.push(`meta l4proto ${proto} `);
      continue;
    }
    const ports = formatPorts(list.flatMap((s) => s.ports ?? [])).split(',');
    out.push(`${proto} dport ${ports.length === 1 ? ports[0] : `{ ${ports.join(', ')} }`} `);
  }
  return out;
}

function comment(rule: IrRule): string {
  const text = `${MANAGED_TAG}${rule.id}`.replace(/"/g, "'").slice(0, 127);
  return `comment "${text}"`;
}

function ruleLines(rule: IrRule, ifaces: ZoneInterfaces): string[] {
  if (rule.partial)
    throw new PlanError(`rule ${rule.id} is partial: only rules compiled from a declaration can be applied`);
  const verdict = rule.action === 'allow' ? 'accept' : 'drop';
  if (rule.state === 'established') return [`ct state established,related ${verdict} ${comment(rule)}`];
  if (rule.state === 'invalid') return [`ct state invalid ${verdict} ${comment(rule)}`];
  const from = ifaceMatch(ifaces, rule.from, 'iifname', rule);
  const to = rule.chain === 'forward' ? ifaceMatch(ifaces, rule.to, 'oifname', rule) : '';
  return serviceMatches(rule.services).map((svc) => `${from}${to}${svc}counter ${verdict} ${comment(rule)}`);
}

/**
 * The nftables script for the IR. `ifaces` names each zone's interfaces on the Linux router. The input
 * chain accepts loopback first: a Linux router's own processes talk to each other over it.
 */
export function toNftables(ir: ZoneIr, ifaces: ZoneInterfaces, opts: { table?: string } = {}): string {
  const table = opts.table ?? 'schoolnet';
  if (!/^[a-z][a-z0-9_]*$/.test(table)) throw new PlanError(`nftables table name "${table}" is not valid`);
  const chains: string[] = [];
  for (const chain of ['forward', 'input'] as const) {
    const lines = [
      `type filter hook ${chain} priority filter; policy ${ir.policy[chain] === 'allow' ? 'accept' : 'drop'};`,
    ];
    if (chain === 'input') lines.push('iif "lo" accept');
    for (const r of ir.rules) if (r.chain === chain) lines.push(...ruleLines(r, ifaces));
    chains.push(`  chain ${chain} {\n${lines.map((l) => `    ${l}`).join('\n')}\n  }`);
  }
  return [
    `# Compiled by schoolnet from the school's zone policy; replaced as a whole on every apply.`,
    `add table inet ${table}`,
    `delete table inet ${table}`,
    `table inet ${table} {`,
    chains.join('\n'),
    `}`,
    '',
  ].join('\n');
}

/**
 * Cross-references of the filtering profiles and the probe positions (devices/probes/), which the JSON
 * Schema cannot express: a network's filteringProfile names a declared profile, a position names a
 * declared network once, says where to send from, and a source address lies in its network.
 */
import { isHostIn, parseCidr, parseIpv4 } from './cidr.ts';

type Rec = Record<string, unknown>;
const isRec = (x: unknown): x is Rec => typeof x === 'object' && x !== null && !Array.isArray(x);
const str = (x: unknown): string | undefined => (typeof x === 'string' ? x : undefined);

export function probeProblems(data: Rec): { pointer: string; message: string }[] {
  const out: { pointer: string; message: string }[] = [];
  const networks = Array.isArray(data.networks) ? data.networks : [];
  const byName = new Map<string, Rec>();
  networks.forEach((n) => {
    if (isRec(n) && str(n.name)) byName.set(str(n.name) as string, n);
  });
  const filtering = isRec(data.filtering) ? data.filtering : undefined;
  const profiles = filtering && isRec(filtering.profiles) ? Object.keys(filtering.profiles) : undefined;
  if (profiles !== undefined)
    networks.forEach((n, i) => {
      const p = isRec(n) ? str(n.filteringProfile) : undefined;
      if (p !== undefined && !profiles.includes(p))
        out.push({
          pointer: `/networks/${i}/filteringProfile`,
          message: `filtering profile "${p}" is not declared under filtering.profiles (declared: ${profiles.join(', ') || 'none'})`,
        });
    });
  const probes = isRec(data.probes) ? data.probes : undefined;
  const positions = probes && Array.isArray(probes.positions) ? probes.positions : [];
  const seen = new Set<string>();
  positions.forEach((pos, i) => {
    if (!isRec(pos)) return;
    const at = `/probes/positions/${i}`;
    const name = str(pos.network);
    if (name === undefined) return;
    const net = byName.get(name);
    if (!net) {
      out.push({
        pointer: `${at}/network`,
        message: `network "${name}" is not declared (declared: ${[...byName.keys()].join(', ')})`,
      });
      return;
    }
    if (seen.has(name))
      out.push({ pointer: `${at}/network`, message: `network "${name}" has more than one probe position` });
    seen.add(name);
    if (pos.netns === undefined && pos.sourceAddress === undefined)
      out.push({
        pointer: at,
        message:
          'a probe position needs netns (a namespace holding an interface on the network) or sourceAddress (an address the probe host has in it)',
      });
    const src = str(pos.sourceAddress);
    const subnet = str(net.subnet);
    if (src !== undefined && subnet !== undefined) {
      const block = parseCidr(subnet);
      const addr = parseIpv4(src);
      if (block && addr !== undefined && !isHostIn(block, addr))
        out.push({
          pointer: `${at}/sourceAddress`,
          message: `${src} is not in network ${name}'s subnet ${subnet}`,
        });
    }
  });
  return out;
}

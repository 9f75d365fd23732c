import type { RouterFirewallRule } from '../../devices/facts.ts';
import { describeNat, inboundDstNat } from '../lib/nat.ts';
import { pass, verdict } from '../lib/results.ts';
import { forEachRouter } from '../lib/sources.ts';
import type { Check } from '../types.ts';

type Params = { ports: number[] };

const REMOTE = [22, 23, 139, 445, 3389, 5900, 5985, 5986, 8291, 8728, 8729];

function ports(spec: string | undefined): number[] {
  if (spec === undefined) return [];
  return spec
    .replace(/^!/, '')
    .split(',')
    .flatMap((p) => {
      const [a, b] = p.split('-').map(Number);
      if (a === undefined || Number.isNaN(a)) return [];
      const last = b === undefined || Number.isNaN(b) ? a : b;
      return last - a > 1024 ? [a] : Array.from({ length: last - a + 1 }, (_, i) => a + i);
    });
}

function sourceLimit(rule: RouterFirewallRule): string | undefined {
  const src = rule.props['src-address'];
  const list = rule.props['src-address-list'];
  if (src !== undefined && !src.startsWith('!') && src !== '0.0.0.0/0') return src;
  if (list !== undefined && !list.startsWith('!')) return `address list ${list}`;
  return undefined;
}

/** Remote desktop, SSH, VNC, file sharing and router admin ports are not forwarded from the whole internet. */
const check: Check<Params> = {
  meta: {
    id: 'routeros-nat-remote-access-exposed',
    title: 'No remote access ports open to the whole internet',
    controls: ['FW-REMOTE-ACCESS'],
    needs: ['router', 'declaration'],
    params: {
      type: 'object',
      properties: {
        ports: { type: 'array', items: { type: 'integer', minimum: 1, maximum: 65535 }, default: REMOTE },
      },
      additionalProperties: false,
    },
    defaults: { ports: REMOTE },
  },
  evaluate(facts, params, ctx) {
    return forEachRouter(facts, ctx, (r, device) => {
      const risky = inboundDstNat(r, device, ctx).filter((rule) => {
        const all = [...ports(rule.props['dst-port']), ...ports(rule.props['to-ports'])];
        // A forward with no port at all forwards every port, remote access included.
        return all.length === 0 || all.some((p) => params.ports.includes(p));
      });
      if (risky.length === 0) {
        return [
          pass(`${r.device} forwards no remote access ports from the internet.`, {
            source: r.device,
            object: 'dstnat',
          }),
        ];
      }
      return risky.map((rule) => {
        const limit = sourceLimit(rule);
        return verdict(
          limit !== undefined,
          {
            pass: `Remote access forward ${rule.id} (${describeNat(rule)}) is limited to ${limit ?? ''}.`,
            fail: `Remote access forward ${rule.id} (${describeNat(rule)}) is open to the whole internet.`,
          },
          {
            source: r.device,
            object: `nat ${rule.id}`,
            expected: 'source addresses restricted',
            actual: limit ?? 'any source',
          },
        );
      });
    });
  },
};

export default check;

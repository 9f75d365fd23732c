/**
 * Judging one segmentation observation (devices/probes/segmentation.ts) against the declared zone policy:
 * what the packets did (a connection answered by the agent's listener: allowed; refused or silently
 * dropped: blocked) against what the policy says for that pair of networks and that service. Any
 * difference fails, with the packets as evidence; a probe that could not run is an error. Pure.
 */
import type { NetworkRole, SchoolDeclaration } from '../../inventory/types.ts';
import { compileZonePolicy, decide, type ZoneIr } from '../../intent/zones.ts';
import { error, fail, pass } from '../lib/results.ts';
import type { CheckResult, Evidence } from '../types.ts';

/** The fields of a probe observation this judge reads. */
export interface SegmentationFact {
  network: string;
  scope?: string;
  case: string;
  asked: string;
  answered: string;
  outcome: 'answered' | 'refused' | 'timeout' | 'error';
  evidence: Record<string, string | number | boolean | string[]>;
  error?: { code: string; message: string };
  params: Record<string, unknown>;
  durationMs: number;
}

/** Whose device sits on a network of this role, for the head's sentence. */
const WHOSE: Record<NetworkRole, string> = {
  pupils: "A pupil's device",
  staff: 'A staff device',
  guests: "A visitor's device on the guest network",
  byod: 'A personal device',
  servers: 'A server',
  management: 'A device on the network-management network',
};

const NETWORK_WORDS: Record<NetworkRole, string> = {
  pupils: 'the pupils’ network',
  staff: 'the staff network',
  guests: 'the guest network',
  byod: 'the personal-device network',
  servers: 'the school’s servers',
  management: 'the network-management network',
};

const policies = new WeakMap<SchoolDeclaration, ZoneIr>();
function policyOf(decl: SchoolDeclaration): ZoneIr {
  let ir = policies.get(decl);
  if (!ir) {
    ir = compileZonePolicy(decl);
    policies.set(decl, ir);
  }
  return ir;
}

function evidenceOf(o: SegmentationFact, expected: string): Evidence {
  const listener = o.evidence['listenerSaw'];
  return {
    source: `probe:${o.network}`,
    object: `segmentation:${o.case}`,
    expected,
    actual: `${o.asked} -> ${o.answered}${o.evidence['attempts'] === 2 ? ' (sent twice)' : ''}${typeof listener === 'string' ? `; ${listener}` : ''} (${o.durationMs} ms)`,
  };
}

export function judgeSegmentation(o: SegmentationFact, decl: SchoolDeclaration): CheckResult {
  const fromNet = decl.networks.find((n) => n.name === o.network);
  const toNet = decl.networks.find((n) => n.name === (o.scope ?? o.params['to']));
  const proto = String(o.params['proto'] ?? '');
  const port = Number(o.params['port']);
  const service = `${proto}/${port}${o.params['unnamed'] === true ? ' (a port the policy does not name)' : ''}`;
  if (!fromNet || !toNet || !['tcp', 'udp'].includes(proto) || !Number.isInteger(port))
    return error(
      `A segmentation probe result names a network or service the declaration does not have (${o.network} -> ${String(o.scope)} ${proto}/${port}).`,
      evidenceOf(o, 'a declared pair of networks'),
    );
  if (o.outcome === 'error')
    return error(
      `The segmentation probe from ${fromNet.name} to ${toNet.name} on ${proto}/${port} could not run: ${o.error?.message ?? o.answered}.`,
      evidenceOf(o, 'a connection attempt'),
    );
  const d = decide(policyOf(decl), fromNet.role, toNet.role, { proto, port });
  const rule = d.rule ? ` (rule ${d.rule.id}: ${d.rule.text})` : ' (default drop)';
  const expected = `${d.verdict === 'allow' ? 'connects' : 'blocked'}${rule}`;
  const ev = evidenceOf(o, expected);
  const reached = o.outcome === 'answered';
  if (reached && d.verdict === 'allow')
    return pass(`${fromNet.name} reaches ${toNet.name} on ${service}, as the zone policy allows.`, ev);
  if (!reached && d.verdict === 'deny')
    return pass(`${fromNet.name} cannot reach ${toNet.name} on ${service}, as the zone policy requires.`, ev);
  if (reached)
    return fail(
      `${WHOSE[fromNet.role]} could open a connection to ${NETWORK_WORDS[toNet.role]} (${service}), which the school's network policy forbids.`,
      ev,
    );
  return fail(
    `Devices on ${NETWORK_WORDS[fromNet.role]} could not reach ${NETWORK_WORDS[toNet.role]} on ${service}, although the school's network policy allows it (${o.outcome === 'refused' ? 'refused' : 'no answer'}).`,
    ev,
  );
}

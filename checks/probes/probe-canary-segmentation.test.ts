import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ProbeObservation, SchoolFacts } from '../../devices/facts.ts';
import { loadSchool } from '../../inventory/load.ts';
import { clausesFor, loadPolicy } from '../engine/clause-map.ts';
import { allChecks } from '../registry.ts';
import type { CheckContext } from '../types.ts';
import { judgeLeaverCanary, type CanaryAttempt } from './leaver-canary-judge.ts';
import { judgeSegmentation, type SegmentationFact } from './segmentation-judge.ts';
import segmentationCheck from './probe-segmentation-policy.check.ts';
import canaryCheck from './probe-wifi-leaver-refused.check.ts';

const SCHOOLS = new URL('../../inventory/schools/', import.meta.url).pathname;
const demo = await loadSchool(join(SCHOOLS, 'demo', 'school.yaml'));

function attempt(kind: 'enabled' | 'leaver', outcome: CanaryAttempt['outcome']): CanaryAttempt {
  const code = { accepted: '2 (Access-Accept)', rejected: '3 (Access-Reject)' } as Record<string, string>;
  return {
    kind,
    account: kind === 'enabled' ? 'canary.staff' : 'canary.leaver',
    server: 'radius1',
    address: '10.40.0.10:1812/udp',
    eap: 'ttls-pap',
    outcome,
    packets: code[outcome] ? [`RADIUS message: code=${code[outcome]}`] : [],
    ...(outcome === 'error' ? { detail: 'the RADIUS server’s certificate was not trusted' } : {}),
    ms: 12,
  };
}

describe('the leaver canary verdict', () => {
  it.each([
    ['accepted', 'rejected', 'pass', /^Leavers cannot join the Wi-Fi/],
    ['accepted', 'accepted', 'fail', /^A leaver's account could still join the Wi-Fi/],
    ['rejected', 'accepted', 'fail', /^A leaver's account could still join the Wi-Fi/],
    ['no-answer', 'accepted', 'fail', /^A leaver's account could still join the Wi-Fi/],
    [
      'rejected',
      'rejected',
      'error',
      /sign-in test for leavers is broken: the school's sign-in server refused the enabled test account/,
    ],
    ['no-answer', 'no-answer', 'error', /could not run: .*no-answer/],
    ['error', 'rejected', 'error', /could not run: .*certificate was not trusted/],
    ['accepted', 'no-answer', 'error', /could not judge the leaver canary/],
    ['accepted', 'error', 'error', /could not judge the leaver canary/],
  ] as const)('enabled %s, leaver %s: %s', (enabled, leaver, status, reason) => {
    const r = judgeLeaverCanary('probe:MGMT', [attempt('enabled', enabled), attempt('leaver', leaver)]);
    expect(r.status).toBe(status);
    expect(r.reason).toMatch(reason);
    expect(r.evidence.map((e) => e.object)).toEqual([
      'canary:leaver:canary.leaver',
      'canary:enabled:canary.staff',
    ]);
  });
});

const ctx = (decl = demo.decl): CheckContext => ({ decl, now: '2026-12-06T02:00:00Z' });
const facts = (observations?: ProbeObservation[]): SchoolFacts => ({
  school: 'demo',
  collectedAt: '2026-12-06T02:00:00Z',
  routers: [],
  switches: [],
  ...(observations ? { probes: { collectedAt: '2026-12-06T02:00:00Z', networks: [], observations } } : {}),
});
const withCanary = structuredClone(demo.decl);
withCanary.radius = withCanary.radius?.map((r) => ({
  ...r,
  canary: {
    from: 'MGMT',
    secret: 'file:agent-radius-secret',
    eap: 'ttls-pap',
    ca: 'radius-ca.pem',
    servername: 'radius.school.test',
  },
}));
withCanary.lifecycle!.canaries = {
  staff: { account: 'canary.staff', password: 'file:canary-staff' },
  leaver: { account: 'canary.leaver', password: 'file:canary-leaver' },
};

describe('probe-wifi-leaver-refused', () => {
  it('is not applicable without declared canaries, and an error when the probes did not run', () => {
    expect(canaryCheck.evaluate(facts([]), {}, ctx()).map((r) => r.status)).toEqual(['not_applicable']);
    expect(canaryCheck.evaluate(facts(), {}, ctx(withCanary)).map((r) => r.status)).toEqual(['error']);
    expect(canaryCheck.evaluate(facts([]), {}, ctx(withCanary)).map((r) => r.status)).toEqual(['error']);
  });

  it('reads the two sign-ins from the observation, and an unrunnable one is an error', () => {
    const base = {
      kind: 'radius-leaver-canary',
      case: 'radius1',
      network: 'MGMT',
      target: '127.0.0.1:18812/udp',
      asked: 'sign-ins',
      expected: 'canary.staff accepted, canary.leaver refused',
      params: {},
      startedAt: '2026-12-06T02:00:00Z',
      durationMs: 1200,
    };
    const ok: ProbeObservation = {
      ...base,
      outcome: 'answered',
      answered: 'canary.staff accepted, canary.leaver accepted',
      evidence: {
        server: 'radius1 127.0.0.1:18812/udp',
        eap: 'ttls-pap',
        enabledAccount: 'canary.staff',
        enabledOutcome: 'accepted',
        enabledPackets: ['RADIUS message: code=2 (Access-Accept)'],
        enabledMs: 300,
        leaverAccount: 'canary.leaver',
        leaverOutcome: 'accepted',
        leaverPackets: ['RADIUS message: code=2 (Access-Accept)'],
        leaverMs: 310,
      },
    };
    const [r] = canaryCheck.evaluate(facts([ok]), {}, ctx(withCanary));
    expect(r?.status).toBe('fail');
    expect(r?.evidence[0]).toMatchObject({ source: 'probe:MGMT', object: 'canary:leaver:canary.leaver' });
    expect(r?.evidence[0]?.actual).toMatch(
      /^radius1 127\.0\.0\.1:18812\/udp ttls-pap: accepted; RADIUS message: code=2/,
    );
    const broken: ProbeObservation = {
      ...base,
      outcome: 'error',
      answered: 'not sent',
      evidence: {},
      error: {
        code: 'E-SECRET',
        message: "the canary's secret file:canary-leaver could not be read on the agent",
      },
    };
    const [e] = canaryCheck.evaluate(facts([broken]), {}, ctx(withCanary));
    expect(e?.status).toBe('error');
    expect(e?.reason).toMatch(/could not run from the MGMT network: the canary's secret file:canary-leaver/);
  });
});

function seg(
  from: string,
  to: string,
  proto: 'tcp' | 'udp',
  port: number,
  outcome: SegmentationFact['outcome'],
): SegmentationFact {
  return {
    network: from,
    scope: to,
    case: `${to}:${proto}/${port}`,
    asked: `${proto.toUpperCase()} from ${from} to ${to}:${port}`,
    answered: outcome === 'answered' ? 'connected' : outcome,
    outcome,
    evidence: {},
    params: { from, to, proto, port },
    durationMs: 5,
  };
}

describe('segmentation verdicts against the demo zone policy', () => {
  it.each([
    [
      'STAFF',
      'PUPILS',
      'tcp',
      5201,
      'answered',
      'pass',
      /^STAFF reaches PUPILS on tcp\/5201, as the zone policy allows/,
    ],
    [
      'PUPILS',
      'STAFF',
      'tcp',
      443,
      'timeout',
      'pass',
      /^PUPILS cannot reach STAFF on tcp\/443, as the zone policy requires/,
    ],
    ['PUPILS', 'SERVERS', 'udp', 53, 'answered', 'pass', /as the zone policy allows/],
    [
      'GUEST',
      'STAFF',
      'tcp',
      443,
      'answered',
      'fail',
      /^A visitor's device on the guest network could open a connection to the staff network \(tcp\/443\)/,
    ],
    [
      'PUPILS',
      'MGMT',
      'udp',
      53,
      'answered',
      'fail',
      /^A pupil's device could open a connection to the network-management network/,
    ],
    [
      'PUPILS',
      'SERVERS',
      'tcp',
      443,
      'refused',
      'fail',
      /^Devices on the pupils’ network could not reach the school’s servers on tcp\/443, although .* allows it \(refused\)/,
    ],
    ['PUPILS', 'STAFF', 'tcp', 443, 'error', 'error', /could not run/],
    [
      'PUPILS',
      'NOWHERE',
      'tcp',
      443,
      'answered',
      'error',
      /names a network or service the declaration does not have/,
    ],
  ] as const)('%s -> %s %s/%i %s: %s', (from, to, proto, port, outcome, status, reason) => {
    const r = judgeSegmentation(seg(from, to, proto, port, outcome), demo.decl);
    expect(r.status).toBe(status);
    expect(r.reason).toMatch(reason);
    expect(r.evidence[0]).toMatchObject({
      source: `probe:${from}`,
      object: `segmentation:${to}:${proto}/${port}`,
    });
  });

  it('the expected verdict names the deciding rule', () => {
    const r = judgeSegmentation(seg('GUEST', 'STAFF', 'tcp', 443, 'answered'), demo.decl);
    expect(r.evidence[0]?.expected).toMatch(/^blocked/);
    const a = judgeSegmentation(seg('PUPILS', 'SERVERS', 'udp', 53, 'answered'), demo.decl);
    expect(a.evidence[0]?.expected).toMatch(/^connects \(rule .+: filtering DNS\)$/);
  });

  it('the check is not applicable with fewer than two probe positions, and an error when the probes did not run', () => {
    expect(segmentationCheck.evaluate(facts([]), {}, ctx()).map((r) => r.status)).toEqual(['not_applicable']);
    const positioned = structuredClone(demo.decl);
    positioned.probes = {
      positions: [
        { network: 'STAFF', netns: 'a' },
        { network: 'GUEST', netns: 'b' },
      ],
      resolvers: 'declared',
    };
    expect(segmentationCheck.evaluate(facts(), {}, ctx(positioned)).map((r) => r.status)).toEqual(['error']);
    expect(segmentationCheck.evaluate(facts([]), {}, ctx(positioned)).map((r) => r.status)).toEqual([
      'error',
    ]);
  });
});

describe('clause mapping in the example schools', () => {
  const schools = readdirSync(SCHOOLS, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => e.name);
  it.each(schools)(
    '%s: the canary maps to its leavers clause and segmentation to its separation clause',
    async (school) => {
      const map = await loadPolicy(join(SCHOOLS, school, 'policy.yaml'));
      const leavers = map.clauses.filter((c) => c.controls.includes('ACC-LEAVERS')).map((c) => c.id);
      const isolation = map.clauses.filter((c) => c.controls.includes('NET-ISOLATION')).map((c) => c.id);
      expect(clausesFor(map, canaryCheck.meta.controls)).toEqual(leavers);
      expect(clausesFor(map, segmentationCheck.meta.controls)).toEqual(isolation);
      if (school === 'demo') {
        expect(leavers).toEqual(['demo:accounts-leavers']);
        expect(isolation).toEqual(['demo:network-separation']);
      }
    },
  );
});

describe('filtering clauses in the example schools', () => {
  const schools = readdirSync(SCHOOLS, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => e.name);
  const probeChecks = allChecks.filter((c) => c.meta.id.startsWith('probe-filter-'));
  const PROBED = ['FLT-CATEGORIES', 'FLT-SAFESEARCH', 'FLT-EXECUTABLES', 'FLT-TESTED', 'FLT-BYPASS'];
  it.each(schools)(
    '%s: a clause citing what the probes prove is probe-backed; the log review stays attested',
    async (school) => {
      const map = await loadPolicy(join(SCHOOLS, school, 'policy.yaml'));
      const backed = new Set(probeChecks.flatMap((c) => clausesFor(map, c.meta.controls)));
      const probed = map.clauses.filter((c) => c.controls.some((id) => PROBED.includes(id))).map((c) => c.id);
      expect(probed.filter((id) => !backed.has(id))).toEqual([]);
      // Who reviews the filtering logs and approves changes is a person's act: no check evidences it.
      const people = map.clauses.filter((c) => c.controls.every((id) => id === 'FLT-CHANGE-CONTROL'));
      const checked = new Set(allChecks.flatMap((c) => clausesFor(map, c.meta.controls)));
      expect(people.filter((c) => checked.has(c.id)).map((c) => c.id)).toEqual([]);
      if (school === 'demo') expect(probed).toEqual(['demo:filtering', 'demo:filtering-blocks']);
    },
  );
});

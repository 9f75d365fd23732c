/**
 * Segmentation proven by packets, end to end with real parts: the demo school's networks in Linux
 * network namespaces behind a router namespace whose nftables rules are compiled from the demo's zone
 * policy (support/netns.ts, applied over SSH as the traffic test does). The probe's helpers hold
 * listeners in every network and connect across; the judge compares with the declared policy.
 * A correct router passes every case; a router with one added rule letting guests reach staff fails
 * exactly there, with the packets as evidence.
 *
 * Needs root (network namespaces).
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { loadSchool } from '../inventory/load.ts';
import type { SchoolDeclaration } from '../inventory/types.ts';
import { compileZonePolicy, type Zone, type ZoneInterfaces } from '../intent/zones.ts';
import { toNftables } from '../intent/zones-nftables.ts';
import {
  planSegmentation,
  runSegmentation,
  SegmentationPlanError,
  type SegmentationPosition,
} from '../devices/probes/segmentation.ts';
import { judgeSegmentation } from '../checks/probes/segmentation-judge.ts';
import { probeResults } from '../checks/probes/results.ts';
import { allProbeKinds } from '../devices/probes/registry.ts';
import { runProbes } from '../devices/probes/run.ts';
import { NetnsLab } from './support/netns.ts';

const DEMO = new URL('../inventory/schools/demo/school.yaml', import.meta.url).pathname;

let lab: NetnsLab;
let loadedDir: string;
let decl: SchoolDeclaration;
let positions: SegmentationPosition[];
let nft: string;
let ifaces: Record<string, string>;

beforeAll(async () => {
  const loaded = await loadSchool(DEMO);
  // The lab puts segment i on 10.99.<i+1>.0/24: the demo's networks, renumbered into the lab.
  decl = structuredClone(loaded.decl);
  loadedDir = loaded.dir;
  decl.networks = decl.networks.map((n, i) => ({
    ...n,
    subnet: `10.99.${i + 1}.0/24`,
    gateway: `10.99.${i + 1}.1`,
  }));
  const specs = [...decl.networks.map((n) => ({ label: n.name.toLowerCase() })), { label: 'inet' }];
  lab = await NetnsLab.create(`sg${process.pid}`, specs, { tcp: [], udp: [] });
  ifaces = {};
  const zoneIfaces: ZoneInterfaces = {};
  lab.segments.forEach((seg, i) => {
    const zone: Zone = decl.networks[i]?.role ?? 'internet';
    (zoneIfaces[zone] ??= []).push(seg.routerIf);
    ifaces[zone] = seg.routerIf;
  });
  nft = toNftables(compileZonePolicy(decl), zoneIfaces);
  positions = decl.networks.map((n, i) => ({ network: n.name, netns: lab.segments[i]!.ns }));
}, 60_000);

afterAll(async () => {
  await lab?.close();
});

function judgeAll(observations: Awaited<ReturnType<typeof runSegmentation>>) {
  return observations.map((o) => ({ o, r: judgeSegmentation(o, decl) }));
}

describe('segmentation probe: packets between network namespaces vs the declared zone policy', () => {
  test('the plan covers every ordered pair of networks on every service the policy names, and one it does not', () => {
    const plan = planSegmentation(decl, positions);
    const services = plan.services.map((s) => `${s.proto}/${s.port}${s.unnamed ? '*' : ''}`);
    expect(services).toEqual(['tcp/53', 'tcp/443', 'tcp/853', 'tcp/5201*', 'udp/53', 'udp/853', 'udp/5201*']);
    expect(plan.cases).toHaveLength(5 * 4 * 7);
    expect(() => planSegmentation(decl, [{ network: 'NOPE' }])).toThrow(SegmentationPlanError);
  });

  test(
    'a router compiled from the policy: every connection does what the policy says',
    { timeout: 60_000 },
    async () => {
      await lab.applyNftOverSsh(nft);
      const plan = planSegmentation(decl, positions);
      const observations = await runSegmentation(decl, positions, plan, { timeoutMs: 1000 });
      expect(observations).toHaveLength(plan.cases.length);
      const results = judgeAll(observations);
      const notPass = results
        .filter(({ r }) => r.status !== 'pass')
        .map(({ o, r }) => `${o.network}->${o.case}: ${r.reason}`);
      expect(notPass).toEqual([]);
      // Both kinds of answer occur: the policy lets staff reach pupils, and keeps pupils from staff.
      const one = (from: string, id: string) =>
        observations.find((o) => o.network === from && o.case === id)!;
      expect(one('STAFF', 'PUPILS:tcp/5201').outcome).toBe('answered');
      expect(one('STAFF', 'PUPILS:udp/5201').outcome).toBe('answered');
      expect(one('PUPILS', 'SERVERS:udp/53').outcome).toBe('answered');
      expect(one('PUPILS', 'SERVERS:tcp/443').outcome).toBe('answered');
      expect(one('PUPILS', 'STAFF:tcp/443').outcome).toBe('timeout');
      expect(one('GUEST', 'STAFF:udp/53').outcome).toBe('timeout');
      expect(one('STAFF', 'PUPILS:tcp/443').evidence['listenerSaw']).toMatch(
        /PUPILS's listener saw 10\.99\.1\.10 tcp\/443/,
      );
    },
  );

  test(
    'a router rule letting guests reach staff fails on guest -> staff only, with the packets as evidence',
    { timeout: 60_000 },
    async () => {
      const leak = `iifname "${ifaces['guests']}" oifname "${ifaces['staff']}" counter accept comment "added by hand"`;
      const broken = nft.replace(
        /(chain forward \{\n\s*type filter hook forward[^\n]*\n)/,
        `$1    ${leak}\n`,
      );
      expect(broken).toContain(leak);
      await lab.applyNftOverSsh(broken);
      const plan = planSegmentation(decl, positions);
      const results = judgeAll(await runSegmentation(decl, positions, plan, { timeoutMs: 1000 }));
      const failing = results.filter(({ r }) => r.status === 'fail');
      expect(results.filter(({ r }) => r.status === 'error')).toEqual([]);
      expect(new Set(failing.map(({ o }) => `${o.network}->${o.scope}`))).toEqual(new Set(['GUEST->STAFF']));
      expect(failing).toHaveLength(plan.services.length);
      const tcp = failing.find(({ o }) => o.case === 'STAFF:tcp/443')!;
      expect(tcp.r.reason).toBe(
        "A visitor's device on the guest network could open a connection to the staff network (tcp/443), which the school's network policy forbids.",
      );
      expect(tcp.r.evidence[0]).toMatchObject({
        source: 'probe:GUEST',
        object: 'segmentation:STAFF:tcp/443',
        expected: expect.stringMatching(/^blocked/),
      });
      expect(tcp.r.evidence[0]!.actual).toMatch(
        /TCP connect from 10\.99\.3\.10 to 10\.99\.1\.10:443.* -> connected \(SYN-ACK\).*STAFF's listener saw 10\.99\.3\.10 tcp\/443/,
      );
      const udp = failing.find(({ o }) => o.case === 'STAFF:udp/53')!;
      expect(udp.r.evidence[0]!.actual).toMatch(/UDP datagram .* -> the agent's listener echoed the token/);
    },
  );

  test(
    'a network whose namespace does not exist makes its cases errors, never passes',
    { timeout: 30_000 },
    async () => {
      await lab.applyNftOverSsh(nft);
      const bad = positions.map((p) =>
        p.network === 'GUEST' ? { ...p, netns: `sg${process.pid}-missing` } : p,
      );
      const plan = planSegmentation(decl, bad);
      const results = judgeAll(await runSegmentation(decl, bad, plan, { timeoutMs: 800 }));
      const touching = results.filter(({ o }) => o.network === 'GUEST' || o.scope === 'GUEST');
      expect(touching.length).toBeGreaterThan(0);
      expect(touching.every(({ r }) => r.status === 'error')).toBe(true);
      expect(
        results
          .filter(({ o }) => o.network !== 'GUEST' && o.scope !== 'GUEST')
          .every(({ r }) => r.status === 'pass'),
      ).toBe(true);
    },
  );

  test(
    'through the probe runner and the check, as `schoolnet probe --kind segmentation` runs it',
    { timeout: 60_000 },
    async () => {
      await lab.applyNftOverSsh(nft);
      const school = {
        file: DEMO,
        dir: loadedDir,
        decl: { ...decl, probes: { positions, resolvers: 'declared' as const, timeoutMs: 1000 } },
      };
      const facts = await runProbes(school, { kinds: ['segmentation'] });
      expect(facts.observations.length).toBe(planSegmentation(decl, positions).cases.length);
      const checkOf = new Map(allProbeKinds.map((k) => [k.id, k.checkId]));
      const results = probeResults(facts, (k) => checkOf.get(k), {
        decl: school.decl,
        now: facts.collectedAt,
      });
      expect(new Set(results.map((r) => r.checkId))).toEqual(new Set(['probe-segmentation-policy']));
      expect(
        results.filter((r) => r.status !== 'pass').map((r) => `${r.network}->${r.case}: ${r.reason}`),
      ).toEqual([]);
    },
  );
});

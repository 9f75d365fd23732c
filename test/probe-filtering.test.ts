/**
 * The filtering probes against real filter parts in network namespaces (support/netns-filter.ts): the
 * router applies the nftables compiled from the declaration's zone policy and hands out DHCP with
 * dnsmasq; Debian's unbound filters DNS (blocklist, SafeSearch CNAMEs, a view per profile) and squid
 * filters the web (HTTP deny with a block page, HTTPS by SNI with peek-then-terminate); an outside unbound
 * answers plain DNS, DNS over TLS and DNS over HTTPS. A well-filtered school passes every probe; each
 * broken school fails the right check (and so the right clause), with the packets' answers as evidence.
 * Needs root (network namespaces).
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { loadCatalog } from '../checks/catalog/catalog.ts';
import { loadEngineInputs } from '../checks/engine/inputs.ts';
import { runAudit } from '../checks/engine/run.ts';
import { probeResults } from '../checks/probes/results.ts';
import { buildReportModel } from '../reports/model.ts';
import { allProbeKinds } from '../devices/probes/registry.ts';
import { runProbes } from '../devices/probes/run.ts';
import type { ProbeResult } from '../devices/probes/types.ts';
import { loadSchool } from '../inventory/load.ts';
import type { LoadedSchool } from '../inventory/types.ts';
import { compileZonePolicy } from '../intent/zones.ts';
import { toNftables } from '../intent/zones-nftables.ts';
import { FilterLab, LAB, type FilterLabConfig } from './support/netns-filter.ts';

const run = promisify(execFile);
const CLI = new URL('../scripts/cli.ts', import.meta.url).pathname;

const DOT_DENY =
  '    - { from: pupils, to: internet, action: deny, services: [tcp/853, udp/853], comment: no encrypted DNS }\n';

function schoolYaml(opts: { dotDeny: boolean }): string {
  return `apiVersion: schoolnet/v1
school: { id: probe-lab, name: Probe Lab School, urn: '999001', jurisdiction: england, standards: [dfe, kcsie, uksic] }
policy: { file: policy.yaml, reviewed: '2026-09-01', reviewEveryMonths: 12 }
networks:
  - { role: staff, name: STAFF, vlan: 10, subnet: 10.10.0.0/24, gateway: 10.10.0.1, dns: [${LAB.filterDns}], filteringProfile: staff, dhcp: { pool: 10.10.0.100-10.10.0.200 } }
  - { role: pupils, name: PUPILS, vlan: 20, subnet: 10.20.0.0/24, gateway: 10.20.0.1, dns: [${LAB.filterDns}], filteringProfile: pupil, dhcp: { pool: 10.20.0.100-10.20.0.200 } }
  - { role: servers, name: SERVERS, vlan: 40, subnet: 10.40.0.0/24, gateway: 10.40.0.1, dns: [${LAB.filterDns}] }
wifi: []
zones:
  default: deny
  rules:
    - { from: staff, to: [internet, pupils, servers], action: allow }
    - { from: pupils, to: servers, action: allow, services: [udp/53, tcp/53], comment: filtering DNS }
    - { from: pupils, to: servers, action: allow, services: [tcp/80, tcp/443], comment: web filter }
    - { from: pupils, to: internet, action: deny, services: [udp/53, tcp/53], comment: no outside DNS }
${opts.dotDeny ? DOT_DENY : ''}    - { from: pupils, to: internet, action: allow }
    - { from: servers, to: internet, action: allow }
devices: []
filtering:
  profiles:
    pupil:
      provider: lab unbound + squid, pupil policy
      blockAddresses: [${LAB.blockAddress}]
      blockPage: [blocked by the school filter]
      dnsTests:
        - { category: adult, name: adult.test.lab }
        - { category: proxy, name: proxy.test.lab }
      webTests:
        - { category: proxy, url: 'http://proxy-web.test.lab/' }
        - { category: proxy, url: 'https://proxy-web.test.lab/' }
        - { category: gambling, url: 'https://gambling-web.test.lab/' }
      downloadTests: ['http://files.test.lab/tool.exe']
      safeSearch: { youtube: strict }
      bypass:
        outsideResolvers: [${LAB.outsideResolver}]
        dot: ['${LAB.outsideResolver}#dns.outside.test']
        doh: ['https://doh.outside.test/dns-query']
        queryName: www.example.com
    staff:
      blockPage: [blocked by the school filter]
      dnsTests: [{ category: adult, name: adult.test.lab }]
      webTests: [{ category: adult, url: 'http://adult-web.test.lab/' }]
      safeSearch: { youtube: moderate }
      bypass: { outsideResolvers: [], dot: [], doh: [] }
probes:
  positions:
    - { network: PUPILS, netns: NS_PUPILS }
    - { network: STAFF, netns: NS_STAFF }
  timeoutMs: 1500
  trustCa: ca.pem
`;
}

const POLICY = `school: probe-lab
version: '1'
title: Online safety
clauses:
  - id: probe-lab:filtering
    section: 7.1 Filtering
    text: Pupils cannot get round the filter; harmful categories and downloads are blocked; safe search is on.
    controls: [FLT-DNS-FORCED, FLT-BYPASS, FLT-CATEGORIES, FLT-SAFESEARCH, FLT-EXECUTABLES]
`;

function labConfig(over: Partial<FilterLabConfig> = {}): FilterLabConfig {
  return {
    dhcpDns: { pupils: LAB.filterDns, staff: LAB.filterDns },
    pupilBlockedWeb: ['proxy-web.test.lab', 'gambling-web.test.lab'],
    blockedWebAll: ['adult-web.test.lab'],
    dnsBlockRedirect: ['proxy.test.lab'],
    dnsBlockNx: ['adult.test.lab', 'doh.outside.test'],
    youtube: { pupils: 'strict', staff: 'moderate' },
    routerNft: '',
    ...over,
  };
}

let lab: FilterLab;
let dir: string;

async function writeSchool(dotDeny: boolean): Promise<LoadedSchool> {
  const yaml = schoolYaml({ dotDeny }).replace('NS_PUPILS', lab.ns.pupils).replace('NS_STAFF', lab.ns.staff);
  await writeFile(join(dir, 'school.yaml'), yaml);
  return loadSchool(join(dir, 'school.yaml'));
}

function routerNft(loaded: LoadedSchool): string {
  return toNftables(compileZonePolicy(loaded.decl), {
    pupils: ['r-pup'],
    staff: ['r-stf'],
    servers: ['r-srv'],
    internet: ['r-wan'],
  });
}

async function probe(loaded: LoadedSchool): Promise<ProbeResult[]> {
  const facts = await runProbes(loaded);
  const checkOf = new Map(allProbeKinds.map((k) => [k.id, k.checkId]));
  return probeResults(facts, (k) => checkOf.get(k), { decl: loaded.decl, now: facts.collectedAt });
}

const line = (r: ProbeResult) => `${r.status} ${r.network} ${r.kind} ${r.case}: ${r.answered} | ${r.reason}`;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'probe-lab-'));
  await writeFile(join(dir, 'policy.yaml'), POLICY);
  lab = await FilterLab.create(`pf${process.pid % 100000}`, labConfig());
  await run('cp', [lab.caPem, join(dir, 'ca.pem')]);
  const loaded = await writeSchool(true);
  await lab.applyRouter(routerNft(loaded));
}, 120_000);

afterAll(async () => {
  await lab?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('filtering probes against unbound, squid and dnsmasq in network namespaces', () => {
  test(
    'a well-filtered school passes every probe on every network, and no DHCP lease is taken',
    { timeout: 60_000 },
    async () => {
      const loaded = await writeSchool(true);
      await lab.applyRouter(routerNft(loaded));
      const results = await probe(loaded);
      expect(results.filter((r) => r.status !== 'pass').map(line)).toEqual([]);
      const kinds = new Set(results.map((r) => `${r.network}:${r.kind}`));
      for (const k of ['dhcp-resolver', 'dns-category', 'safesearch', 'bypass', 'web-category', 'download'])
        expect(kinds.has(`PUPILS:filter-${k}`), k).toBe(true);
      // The evidence says how each was blocked: squid's block page over HTTP, a reset by SNI over HTTPS.
      const http = results.find((r) => r.case === 'proxy@http://proxy-web.test.lab/');
      expect(http?.evidence).toMatchObject({ status: 403, blockPage: true });
      const https = results.find((r) => r.case === 'proxy@https://proxy-web.test.lab/');
      expect(https?.outcome).toBe('refused');
      // YouTube at each profile's level: strict for pupils, moderate for staff (unbound views).
      const yt = (net: string) =>
        results.find((r) => r.network === net && r.case === 'youtube@www.youtube.com');
      expect(yt('PUPILS')?.answered).toContain('restrict.youtube.com');
      expect(yt('STAFF')?.answered).toContain('restrictmoderate.youtube.com');
      expect(await lab.leases()).toBe('');
    },
  );

  test('the CLI prints the same results as JSON and exits 0', { timeout: 60_000 }, async () => {
    const loaded = await writeSchool(true);
    const { stdout } = await run(process.execPath, [
      CLI,
      'probe',
      loaded.file,
      '--network',
      'PUPILS',
      '--json',
    ]);
    const out = JSON.parse(stdout) as { results: ProbeResult[]; counts: Record<string, number> };
    expect(out.counts).toMatchObject({ fail: 0, error: 0 });
    expect(new Set(out.results.map((r) => r.network))).toEqual(new Set(['PUPILS']));
  });

  test(
    "pupils' DHCP handing out an outside resolver fails the DHCP probe with the offer as evidence",
    { timeout: 60_000 },
    async () => {
      const loaded = await writeSchool(true);
      await lab.startDhcp({ pupils: LAB.outsideResolver, staff: LAB.filterDns });
      try {
        const results = await probe(loaded);
        const dhcp = results.filter((r) => r.kind === 'filter-dhcp-resolver');
        expect(dhcp.map((r) => [r.network, r.status])).toEqual([
          ['STAFF', 'pass'],
          ['PUPILS', 'fail'],
        ]);
        const bad = dhcp.find((r) => r.network === 'PUPILS');
        expect(bad?.answered).toContain(LAB.outsideResolver);
        expect(bad?.reason).toMatch(/pupil's laptop .* not the school's filter/);
        // Everything else on PUPILS now asks the outside resolver, which the router drops: errors, never passes.
        const rest = results.filter(
          (r) =>
            r.network === 'PUPILS' &&
            r.kind !== 'filter-dhcp-resolver' &&
            r.kind !== 'filter-bypass' &&
            // Segmentation sends packets to addresses, not names: the resolver does not touch it.
            r.kind !== 'segmentation',
        );
        expect(rest.filter((r) => r.status === 'pass').map(line)).toEqual([]);
      } finally {
        await lab.startDhcp({ pupils: LAB.filterDns, staff: LAB.filterDns });
      }
    },
  );

  test(
    'a filter that lets a category through fails the web probes for that category, over HTTP and HTTPS',
    { timeout: 60_000 },
    async () => {
      const loaded = await writeSchool(true);
      await lab.reconfigureFilter(labConfig({ pupilBlockedWeb: ['gambling-web.test.lab'] }));
      try {
        const results = await probe(loaded);
        const failed = results.filter((r) => r.status !== 'pass');
        expect(failed.map((r) => [r.network, r.checkId, r.case, r.status])).toEqual([
          ['PUPILS', 'probe-filter-web-category', 'proxy@http://proxy-web.test.lab/', 'fail'],
          ['PUPILS', 'probe-filter-web-category', 'proxy@https://proxy-web.test.lab/', 'fail'],
        ]);
        expect(failed[0]?.reason).toBe(
          "A pupil's laptop could reach a proxy test page that the filter should block.",
        );
        expect(failed[0]?.answered).toContain('HTTP 200');
        expect(failed[1]?.evidence).toMatchObject({ status: 200, tlsIssuer: 'schoolnet lab CA' });

        // The nightly audit runs the same probes (the school declares positions): the failures are
        // findings of the clause that cites the control, in plain words on the head's page, with the
        // evidence in the technician's section.
        const audit = await runAudit(loaded, await loadEngineInputs(loaded));
        const flt = audit.findings.filter(
          (f) => f.checkId === 'probe-filter-web-category' && f.status === 'fail',
        );
        expect(flt.map((f) => f.clauses)).toEqual([['probe-lab:filtering'], ['probe-lab:filtering']]);
        expect(audit.devices.find((d) => d.kind === 'probes')).toMatchObject({ ok: true });
        const model = buildReportModel(audit, { catalog: loadCatalog() });
        const clause = model.clauses.find((c) => c.id === 'probe-lab:filtering');
        expect(clause?.status).toBe('not_met');
        // One line for the head (both findings have one cause: the proxy category let through on PUPILS).
        expect(clause?.issues.map((i) => i.text).join('\n')).toContain(
          "A pupil's laptop could reach a proxy test page that the filter should block.",
        );
        const tech = model.findings.find(
          (f) => f.checkId === 'probe-filter-web-category' && f.status === 'fail',
        );
        expect(tech?.evidence[0]).toMatchObject({
          source: 'probe:PUPILS',
          object: 'filter-web-category:proxy@http://proxy-web.test.lab/',
          expected: expect.stringContaining('blocked'),
          actual: expect.stringContaining('HTTP 200'),
        });
      } finally {
        await lab.reconfigureFilter(labConfig());
      }
    },
  );

  test(
    'a router that lets DNS over TLS out fails the bypass probe with the answer as evidence',
    { timeout: 60_000 },
    async () => {
      const loaded = await writeSchool(false);
      await lab.applyRouter(routerNft(loaded));
      try {
        const results = await probe(loaded);
        const failed = results.filter((r) => r.status !== 'pass');
        expect(failed.map((r) => [r.network, r.checkId, r.case])).toEqual([
          ['PUPILS', 'probe-filter-bypass', `dot@${LAB.outsideResolver}`],
        ]);
        expect(failed[0]?.reason).toMatch(/encrypted DNS \(DNS over TLS\)/);
        expect(failed[0]?.answered).toMatch(/TLS session up .* NOERROR/);
      } finally {
        await lab.applyRouter(routerNft(await writeSchool(true)));
      }
    },
  );

  test(
    'a network whose namespace does not exist is an error for every probe, never a pass',
    { timeout: 30_000 },
    async () => {
      const good = await writeSchool(true);
      const probes = {
        ...good.decl.probes!,
        positions: [{ network: 'PUPILS', netns: `${lab.prefix}-missing` }],
      };
      const results = await probe({ ...good, decl: { ...good.decl, probes } });
      expect(results.length).toBeGreaterThan(5);
      expect(new Set(results.map((r) => r.status))).toEqual(new Set(['error']));
    },
  );
});

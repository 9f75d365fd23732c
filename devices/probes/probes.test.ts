import { describe, expect, it } from 'vitest';
import { loadSchool } from '../../inventory/load.ts';
import { buildProgram } from '../../scripts/cli.ts';
import { HELP } from '../../scripts/commands/probe.ts';
import { decodeOffer, encodeDiscover } from './dhcp.ts';
import { decodeAnswer, DnsError, encodeQuery } from './dns.ts';
import { allProbeKinds } from './registry.ts';
import { planProbes, ProbePlanError, runProbes } from './run.ts';
import { MAX_CASES_PER_NETWORK } from './types.ts';

const DEMO = new URL('../../inventory/schools/demo/school.yaml', import.meta.url).pathname;

/** A reply to `encodeQuery('www.google.com', 'A', 0x1234)`: CNAME forcesafesearch.google.com, then its A,
 * both owner names compressed (RFC 1035 4.1.4), as unbound writes them. */
function reply(rcode = 0): Buffer {
  const q = encodeQuery('www.google.com', 'A', 0x1234);
  const head = Buffer.from(q.subarray(0, 12));
  head.writeUInt16BE(0x8180 | rcode, 2);
  head.writeUInt16BE(2, 6);
  const question = q.subarray(12);
  const target = Buffer.concat([Buffer.from([15]), Buffer.from('forcesafesearch'), Buffer.from([0xc0, 16])]);
  const cname = Buffer.alloc(12);
  cname.writeUInt16BE(0xc00c, 0); // -> www.google.com
  cname.writeUInt16BE(5, 2);
  cname.writeUInt16BE(1, 4);
  cname.writeUInt32BE(60, 6);
  cname.writeUInt16BE(target.length, 10);
  const targetAt = 12 + question.length + 12;
  const a = Buffer.alloc(16);
  a.writeUInt16BE(0xc000 | targetAt, 0); // -> forcesafesearch.google.com
  a.writeUInt16BE(1, 2);
  a.writeUInt16BE(1, 4);
  a.writeUInt32BE(60, 6);
  a.writeUInt16BE(4, 10);
  Buffer.from([216, 239, 38, 120]).copy(a, 12);
  return Buffer.concat([head, question, cname, target, a]);
}

describe('DNS messages', () => {
  it('reads a CNAME chain with compressed names', () => {
    const r = decodeAnswer(reply(), 0x1234);
    expect(r).toMatchObject({
      rcode: 'NOERROR',
      cnames: ['forcesafesearch.google.com'],
      addresses: ['216.239.38.120'],
    });
  });
  it('names the rcode', () => {
    expect(decodeAnswer(reply(3), 0x1234).rcode).toBe('NXDOMAIN');
  });
  it('refuses a reply to another query, a truncated reply and a compression loop', () => {
    expect(() => decodeAnswer(reply(), 0x4321)).toThrow(/does not match/);
    expect(() => decodeAnswer(reply().subarray(0, 40), 0x1234)).toThrow(DnsError);
    const loop = reply();
    loop.writeUInt16BE(0xc000 | 12, 12); // question name points at itself
    expect(() => decodeAnswer(loop, 0x1234)).toThrow(/loop|truncated/);
  });
  it('refuses a label longer than 63 bytes', () => {
    expect(() => encodeQuery(`${'a'.repeat(64)}.example`, 'A')).toThrow(/bad DNS name/);
  });
});

describe('DHCP offers', () => {
  const mac = '02:00:00:00:00:01';
  function offer(xid: number, type: number, dns: number[][]): Buffer {
    const b = Buffer.from(encodeDiscover(mac, xid));
    b[0] = 2;
    Buffer.from([10, 20, 0, 150]).copy(b, 16);
    const opts = [53, 1, type, 54, 4, 10, 20, 0, 1, 6, dns.length * 4, ...dns.flat(), 255];
    return Buffer.concat([b.subarray(0, 240), Buffer.from(opts)]);
  }
  it('reads the offered DNS servers (option 6)', () => {
    expect(
      decodeOffer(
        offer(7, 2, [
          [10, 40, 0, 53],
          [10, 40, 0, 54],
        ]),
        7,
      ),
    ).toEqual({
      server: '10.20.0.1',
      offered: '10.20.0.150',
      dns: ['10.40.0.53', '10.40.0.54'],
      router: [],
    });
  });
  it('ignores an offer for another transaction and anything that is not an offer', () => {
    expect(decodeOffer(offer(7, 2, [[10, 40, 0, 53]]), 8)).toBeUndefined();
    expect(decodeOffer(offer(7, 5, [[10, 40, 0, 53]]), 7)).toBeUndefined(); // DHCPACK
  });
  it('asks with the broadcast flag and never as a request', () => {
    const d = encodeDiscover(mac, 9);
    expect(d.readUInt16BE(10) & 0x8000).toBe(0x8000);
    expect([...d.subarray(240, 243)]).toEqual([53, 1, 1]); // DHCPDISCOVER
  });
});

describe('planning', () => {
  it('plans nothing for networks without a filtering profile and bounded cases for the others', async () => {
    const loaded = await loadSchool(DEMO);
    const planned = planProbes(loaded, { networks: ['PUPILS', 'MGMT'] });
    const mgmt = planned.find((p) => p.network.name === 'MGMT');
    expect(mgmt?.cases).toEqual([]);
    const pupils = planned.find((p) => p.network.name === 'PUPILS');
    expect(pupils?.position).toBeUndefined(); // the demo declares none: every case is then an error
    // Defaults: the DHCP check, no category tests declared (one "no tests" case each), SafeSearch (8),
    // bypass (3 plain, 3 DoT, 3 DoH).
    expect(pupils?.cases.map((c) => c.kind).sort()).toEqual(
      [
        'filter-dhcp-resolver',
        'filter-dns-category',
        ...Array(8).fill('filter-safesearch'),
        ...Array(9).fill('filter-bypass'),
        'filter-web-category',
      ].sort(),
    );
    expect(pupils?.cases.find((c) => c.id === 'youtube@www.youtube.com')?.params['enforced']).toBe(
      'restrict.youtube.com',
    );
  });
  it('still yields every planned case of a network without a position, each an error saying why', async () => {
    const loaded = await loadSchool(DEMO);
    const at = new Date('2026-11-25T01:30:00Z');
    const [planned] = planProbes(loaded, { networks: ['PUPILS'] });
    const facts = await runProbes(loaded, { networks: ['PUPILS'], now: () => at });
    expect(facts.observations).toHaveLength(planned?.cases.length ?? -1);
    const want = planned?.cases.find((c) => c.id === 'youtube@www.youtube.com');
    const seen = facts.observations.find((o) => o.case === 'youtube@www.youtube.com');
    expect(seen).toEqual({
      kind: want?.kind,
      case: want?.id,
      network: 'PUPILS',
      scope: 'pupil',
      target: want?.target,
      asked: want?.asked,
      expected: want?.expected,
      params: want?.params,
      outcome: 'error',
      answered: expect.stringMatching(/^could not run: no probe position is declared for network PUPILS/),
      evidence: {},
      error: { code: 'E-NO-POSITION', message: expect.stringContaining('probes.positions') },
      startedAt: at.toISOString(),
      durationMs: 0,
    });
    for (const o of facts.observations) expect(o.outcome).toBe('error');
  });
  it('refuses an unknown network or probe instead of probing less', async () => {
    const loaded = await loadSchool(DEMO);
    expect(() => planProbes(loaded, { networks: ['LIBRARY'] })).toThrow(ProbePlanError);
    expect(() => planProbes(loaded, { kinds: ['filter-telepathy'] })).toThrow(/no such probe/);
  });
  it('refuses a profile that would send more than the bound', async () => {
    const loaded = await loadSchool(DEMO);
    const many = Array.from({ length: MAX_CASES_PER_NETWORK }, (_, i) => ({
      category: 'c',
      name: `n${i}.test.example`,
    }));
    const decl = { ...loaded.decl, filtering: { profiles: { pupil: { dnsTests: many } } } };
    expect(() => planProbes({ ...loaded, decl }, { networks: ['PUPILS'] })).toThrow(/at most 200/);
  });
});

describe('schoolnet probe --help', () => {
  it('documents every probe kind', () => {
    const cmd = buildProgram().commands.find((c) => c.name() === 'probe');
    expect(cmd).toBeDefined();
    for (const k of allProbeKinds) {
      expect(HELP).toContain(`${k.id}: ${k.title}`);
      expect(HELP).toContain(k.help.split('\n')[0]);
    }
  });
});

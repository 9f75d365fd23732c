import { describe, expect, it } from 'vitest';
import type { ProbeObservation } from '../../devices/facts.ts';
import { ctx, declaration, run, schoolFacts } from '../../test/builders/fixtures.ts';
import type { CheckResult } from '../types.ts';
import bypass from './probe-filter-bypass.check.ts';
import dhcp from './probe-filter-dhcp-resolver.check.ts';
import dnsCategory, { dnsBlocked } from './probe-filter-dns-category.check.ts';
import download from './probe-filter-download.check.ts';
import safesearch, { safeSearchEnforced } from './probe-filter-safesearch.check.ts';
import web from './probe-filter-web-category.check.ts';

function obs(kind: string, over: Partial<ProbeObservation>): ProbeObservation {
  return {
    kind,
    case: 'c',
    network: 'PUPILS',
    target: 't',
    asked: 'asked',
    expected: 'expected',
    outcome: 'answered',
    answered: 'answered',
    evidence: {},
    params: {},
    startedAt: '2026-11-20T01:30:00.000Z',
    durationMs: 12,
    ...over,
  };
}

const withPositions = declaration({ probes: { positions: [{ network: 'PUPILS', netns: 'sn-pupils' }] } });

function judge(check: typeof dnsCategory, o: ProbeObservation): CheckResult {
  const facts = { ...schoolFacts(), probes: { collectedAt: o.startedAt, networks: [], observations: [o] } };
  const [r] = run(check, facts, {}, ctx(withPositions));
  return r!;
}

describe('what counts as blocked', () => {
  it.each([
    ['NXDOMAIN', [], [], true],
    ['REFUSED', [], [], true],
    ['NOERROR', [], [], true], // no address to connect to
    ['NOERROR', ['0.0.0.0'], [], true],
    ['NOERROR', ['10.40.0.80'], ['10.40.0.80'], true],
    ['NOERROR', ['10.40.0.80', '203.0.113.9'], ['10.40.0.80'], false],
    ['NOERROR', ['203.0.113.9'], ['10.40.0.80'], false],
    ['SERVFAIL', [], [], false],
  ])('DNS %s %j (block %j): %s', (rcode, addrs, block, want) => {
    expect(dnsBlocked(rcode, addrs, block)).toBe(want);
  });
  it.each([
    ['a CNAME to the enforced name', ['forcesafesearch.google.com'], ['216.239.38.120'], [], true],
    ['only the enforced addresses', [], ['216.239.38.120'], ['216.239.38.120'], true],
    ['the public address', [], ['142.250.0.1'], ['216.239.38.120'], false],
    ['nothing', [], [], ['216.239.38.120'], false],
  ])('SafeSearch with %s', (_n, cnames, addrs, enforcedAddrs, want) => {
    expect(safeSearchEnforced('forcesafesearch.google.com', cnames, addrs, enforcedAddrs)).toBe(want);
  });
});

describe('probe verdicts', () => {
  it('a category name that resolves fails in plain words', () => {
    const r = judge(
      dnsCategory,
      obs('filter-dns-category', {
        evidence: { rcode: 'NOERROR', addresses: ['198.51.100.80'] },
        params: { category: 'proxy', blockAddresses: ['10.40.0.80'] },
      }),
    );
    expect(r.status).toBe('fail');
    expect(r.reason).toBe("A pupil's laptop could look up a proxy test site that the filter should block.");
    expect(r.evidence[0]).toMatchObject({ source: 'probe:PUPILS', object: 'filter-dns-category:c' });
  });
  it("the network's own resolver not answering is an error, never a pass", () => {
    for (const outcome of ['timeout', 'refused'] as const)
      expect(
        judge(dnsCategory, obs('filter-dns-category', { outcome, params: { category: 'adult' } })).status,
      ).toBe('error');
    expect(
      judge(safesearch, obs('filter-safesearch', { outcome: 'timeout', params: { engine: 'google' } }))
        .status,
    ).toBe('error');
  });
  it('a probe that could not run is an error for every kind', () => {
    for (const [check, kind] of [
      [dnsCategory, 'filter-dns-category'],
      [safesearch, 'filter-safesearch'],
      [bypass, 'filter-bypass'],
      [web, 'filter-web-category'],
      [download, 'filter-download'],
      [dhcp, 'filter-dhcp-resolver'],
    ] as const) {
      const r = judge(
        check,
        obs(kind, { outcome: 'error', error: { code: 'E-NO-NETNS', message: 'no namespace' } }),
      );
      expect(r.status, kind).toBe('error');
      expect(r.reason).toContain('no namespace');
    }
  });
  it('bypass: silence passes, an outside answer fails unless it is the block answer (redirected)', () => {
    const dns = (over: Partial<ProbeObservation>) =>
      judge(
        bypass,
        obs('filter-bypass', {
          params: { via: 'dns', redirectable: true, blockAddresses: ['10.40.0.80'] },
          ...over,
        }),
      );
    expect(dns({ outcome: 'timeout' }).status).toBe('pass');
    expect(dns({ evidence: { rcode: 'NOERROR', addresses: ['10.40.0.80'] } }).status).toBe('pass');
    expect(dns({ evidence: { rcode: 'NOERROR', addresses: ['198.51.100.80'] } }).reason).toBe(
      "A pupil's laptop could use an outside DNS server instead of the school's filter.",
    );
    expect(judge(bypass, obs('filter-bypass', { params: { via: 'dot' } })).status).toBe('fail');
    expect(judge(bypass, obs('filter-bypass', { outcome: 'refused', params: { via: 'dot' } })).status).toBe(
      'pass',
    );
    const doh = (evidence: ProbeObservation['evidence']) =>
      judge(bypass, obs('filter-bypass', { params: { via: 'doh' }, evidence })).status;
    expect(doh({ stage: 'http', status: 200, dnsAnswered: true })).toBe('fail');
    expect(doh({ stage: 'http', status: 403, dnsAnswered: false })).toBe('pass');
  });
  it('web: the block page, an error status or a refusal passes; the page itself fails', () => {
    const w = (over: Partial<ProbeObservation>) =>
      judge(
        web,
        obs('filter-web-category', { params: { category: 'proxy', url: 'https://p.example/' }, ...over }),
      );
    expect(
      w({ evidence: { stage: 'http', status: 200, blockPage: true, blockPageText: 'blocked' } }).status,
    ).toBe('pass');
    expect(w({ evidence: { stage: 'http', status: 403, blockPage: false } }).status).toBe('pass');
    expect(w({ outcome: 'refused', evidence: { stage: 'connect' } }).status).toBe('pass');
    expect(w({ evidence: { stage: 'dns', rcode: 'NXDOMAIN', addresses: [] } }).status).toBe('pass');
    const served = w({ evidence: { stage: 'http', status: 200, blockPage: false } });
    expect(served.reason).toBe(
      "A pupil's laptop could reach a proxy test page over a secure (HTTPS) connection that the filter should block.",
    );
    expect(
      judge(download, obs('filter-download', { evidence: { stage: 'http', status: 200, blockPage: false } }))
        .reason,
    ).toBe("A pupil's laptop could download a program that the filter should block.");
  });
  it('dhcp: an offered resolver that is not declared fails', () => {
    const d = (offered: string[]) =>
      judge(
        dhcp,
        obs('filter-dhcp-resolver', { evidence: { offered }, params: { declared: ['10.40.0.53'] } }),
      ).status;
    expect(d(['10.40.0.53'])).toBe('pass');
    expect(d(['10.40.0.53', '8.8.8.8'])).toBe('fail');
  });
});

describe('without probe results', () => {
  it('an error where the school declares probe positions, not applicable where it declares none', () => {
    expect(run(dnsCategory, schoolFacts(), {}, ctx(withPositions)).map((r) => r.status)).toEqual(['error']);
    expect(run(dnsCategory, schoolFacts(), {}, ctx(declaration())).map((r) => r.status)).toEqual([
      'not_applicable',
    ]);
  });
});

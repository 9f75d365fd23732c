/**
 * filter-bypass: the ways round a DNS filter a pupil's device could take, each tried once per target:
 * - plain DNS (UDP 53) straight to a resolver outside the school: must be dropped, refused, or
 *   redirected to the school's filter (then it answers a blocked test name with the block answer);
 * - DNS over TLS (RFC 7858, TCP 853): the TLS session must not come up (dropped, reset, refused);
 * - DNS over HTTPS (RFC 8484) to well-known resolvers: the POST must not get a DNS answer back.
 * Verdict: checks/probes/probe-filter-bypass.check.ts.
 */
import { encodeQuery, decodeAnswer, queryTls, queryUdp } from '../dns.ts';
import { fetchVia } from '../http.ts';
import type { ProbeCase, ProbeKind, ProbeOutcome } from '../types.ts';
import { exchangeFailed, notRun, queryOpts, resolverOf } from './common.ts';
import { effectiveProfile } from './profile.ts';

export const bypassKind: ProbeKind = {
  id: 'filter-bypass',
  title: 'The filter cannot be bypassed with another DNS service (plain DNS, DNS over TLS, DNS over HTTPS)',
  help:
    'From the network: (1) plain DNS to each bypass.outsideResolvers address (default 8.8.8.8, 1.1.1.1, 9.9.9.9),\n' +
    "asking for the profile's first dnsTests name (else bypass.queryName): passes when nothing answers, or the\n" +
    "answer is the filter's block answer (DNS is redirected to the filter); fails when the outside resolver\n" +
    'answers. (2) DNS over TLS to each bypass.dot entry (address#tls-name, port 853): passes when the TLS\n' +
    'session cannot be made; fails when a DNS answer comes back over it. (3) DNS over HTTPS to each bypass.doh URL\n' +
    "(POST application/dns-message, the host resolved through the network's resolver): passes when the name is\n" +
    'blocked, the connection is refused or dropped, or the filter answers with anything but a DNS message;\n' +
    'fails when a DNS answer comes back.',
  checkId: 'probe-filter-bypass',
  plan({ school, network }) {
    const p = effectiveProfile(school.decl, network);
    if (!p) return [];
    const probeName = p.dnsTests[0]?.name ?? p.bypass.queryName;
    const redirectable = p.dnsTests[0] !== undefined;
    const base = { kind: 'filter-bypass', network: network.name, scope: p.name };
    const cases: ProbeCase[] = [];
    for (const r of p.bypass.outsideResolvers)
      cases.push({
        ...base,
        id: `dns@${r}`,
        target: `${r}:53`,
        asked: `A? ${probeName} straight to ${r} (UDP 53)`,
        expected: redirectable
          ? "no answer, or the filter's block answer (redirected)"
          : 'no answer (dropped or refused)',
        params: { via: 'dns', server: r, name: probeName, redirectable, blockAddresses: p.blockAddresses },
      });
    for (const d of p.bypass.dot) {
      const [server, tlsName] = d.split('#') as [string, string | undefined];
      cases.push({
        ...base,
        id: `dot@${server}`,
        target: `${server}:853`,
        asked: `DNS over TLS to ${server}:853${tlsName ? ` (${tlsName})` : ''}, A? ${p.bypass.queryName}`,
        expected: 'no TLS session (dropped, reset or refused)',
        params: { via: 'dot', server, ...(tlsName ? { tlsName } : {}), name: p.bypass.queryName },
      });
    }
    for (const u of p.bypass.doh)
      cases.push({
        ...base,
        id: `doh@${u}`,
        target: u,
        asked: `DNS over HTTPS POST ${u}, A? ${p.bypass.queryName}`,
        expected: 'no DNS answer (name blocked, connection refused or dropped, or a block page)',
        params: { via: 'doh', url: u, name: p.bypass.queryName },
      });
    return cases;
  },
  async run(c, ctx): Promise<ProbeOutcome> {
    const via = c.params['via'];
    const name = String(c.params['name']);
    if (via === 'dns') {
      const server = String(c.params['server']);
      try {
        const a = await queryUdp(server, name, 'A', queryOpts(ctx));
        return {
          outcome: 'answered',
          answered: `${a.rcode} ${a.addresses.join(', ')}`.trim(),
          evidence: { server, rcode: a.rcode, addresses: a.addresses, cnames: a.cnames },
        };
      } catch (e) {
        return exchangeFailed(e, { server });
      }
    }
    if (via === 'dot') {
      const server = String(c.params['server']);
      const tlsName = c.params['tlsName'] as string | undefined;
      try {
        const a = await queryTls(server, name, 'A', {
          ...queryOpts(ctx),
          ...(tlsName ? { servername: tlsName } : {}),
          ...(ctx.extraCa ? { ca: ctx.extraCa } : {}),
        });
        return {
          outcome: 'answered',
          answered:
            `TLS session up (certificate ${a.peer.subject} from ${a.peer.issuer}); ${a.rcode} ${a.addresses.join(', ')}`.trim(),
          evidence: {
            server,
            rcode: a.rcode,
            addresses: a.addresses,
            tlsSubject: a.peer.subject,
            tlsIssuer: a.peer.issuer,
          },
        };
      } catch (e) {
        return exchangeFailed(e, { server });
      }
    }
    const resolver = resolverOf(ctx);
    if (resolver === undefined)
      return notRun('E-NO-RESOLVER', 'the network has no resolver to find the DoH server with');
    const url = new URL(String(c.params['url']));
    const q = encodeQuery(name, 'A');
    try {
      const r = await fetchVia(url, {
        resolver,
        ...queryOpts(ctx),
        ...(ctx.extraCa ? { ca: ctx.extraCa } : {}),
        method: 'POST',
        headers: { 'content-type': 'application/dns-message', accept: 'application/dns-message' },
        body: q,
      });
      if (r.stage === 'dns')
        return {
          outcome: 'refused',
          answered: `${url.hostname} does not resolve (${r.rcode} ${r.addresses.join(', ')})`.trim(),
          evidence: { stage: 'dns', rcode: r.rcode, addresses: r.addresses },
        };
      if (r.stage !== 'http')
        return {
          outcome: r.code === 'E-TIMEOUT' ? 'timeout' : 'refused',
          answered: `${r.stage} to ${r.address} failed: ${r.code} ${r.message}`,
          evidence: { stage: r.stage, address: r.address, code: r.code },
        };
      let dns = '';
      if (r.status === 200 && r.contentType.startsWith('application/dns-message')) {
        try {
          const a = decodeAnswer(r.body, q.readUInt16BE(0));
          dns = `${a.rcode} ${a.addresses.join(', ')}`.trim();
        } catch {
          dns = '';
        }
      }
      return {
        outcome: 'answered',
        answered: `HTTP ${r.status} ${r.contentType}${dns ? `: DNS answer ${dns}` : ''} from ${r.address}`,
        evidence: {
          stage: 'http',
          address: r.address,
          status: r.status,
          contentType: r.contentType,
          dnsAnswered: dns !== '',
          ...(dns ? { dns } : {}),
        },
      };
    } catch (e) {
      return exchangeFailed(e, { url: url.href });
    }
  },
};

/**
 * filter-web-category and filter-download: the profile's test pages (webTests) and executable test
 * files (downloadTests), fetched as a pupil's browser would: the host resolved through the network's
 * resolver, then HTTP, or HTTPS with the host as SNI (so a filter that decides by SNI, such as squid's
 * peek-and-splice, sees what a browser sends). At most 64 KiB of the body are read. Verdicts:
 * checks/probes/probe-filter-web-category.check.ts and probe-filter-download.check.ts.
 */
import { blockPageMatch, fetchVia } from '../http.ts';
import type { ProbeCase, ProbeContext, ProbeKind, ProbeOutcome } from '../types.ts';
import { exchangeFailed, notRun, queryOpts, resolverOf } from './common.ts';
import { effectiveProfile } from './profile.ts';

async function fetchCase(c: ProbeCase, ctx: ProbeContext): Promise<ProbeOutcome> {
  const resolver = resolverOf(ctx);
  if (resolver === undefined) return notRun('E-NO-RESOLVER', 'the network has no resolver to ask');
  const url = new URL(String(c.params['url']));
  const blockPage = (c.params['blockPage'] as string[] | undefined) ?? [];
  try {
    const r = await fetchVia(url, {
      resolver,
      ...queryOpts(ctx),
      ...(ctx.extraCa ? { ca: ctx.extraCa } : {}),
    });
    if (r.stage === 'dns')
      return {
        outcome: 'answered',
        answered: `${url.hostname}: ${r.rcode}${r.addresses.length ? ` ${r.addresses.join(', ')}` : ' (no address)'}`,
        evidence: { stage: 'dns', rcode: r.rcode, addresses: r.addresses },
      };
    if (r.stage !== 'http')
      return {
        outcome: r.code.startsWith('E-TLS') ? 'error' : r.code === 'E-TIMEOUT' ? 'timeout' : 'refused',
        answered: `${r.stage} to ${r.address} failed: ${r.code} ${r.message}`,
        evidence: { stage: r.stage, address: r.address, code: r.code },
        ...(r.code.startsWith('E-TLS')
          ? {
              error: {
                code: r.code,
                message: `the HTTPS certificate from ${r.address} was not trusted (${r.message}); if the filter intercepts HTTPS, declare its CA in probes.trustCa`,
              },
            }
          : {}),
      };
    const match = blockPageMatch(r.body, blockPage);
    const exe = r.body.subarray(0, 2).toString('latin1') === 'MZ';
    return {
      outcome: 'answered',
      answered: `HTTP ${r.status} ${r.contentType || '(no type)'} from ${r.address}, ${r.body.length} bytes${match ? `, block page ("${match}")` : ''}${exe ? ', a Windows executable' : ''}`,
      evidence: {
        stage: 'http',
        address: r.address,
        status: r.status,
        contentType: r.contentType,
        bytes: r.body.length,
        blockPage: match !== undefined,
        ...(match ? { blockPageText: match } : {}),
        executable: exe,
        ...(r.peer ? { tlsSubject: r.peer.subject, tlsIssuer: r.peer.issuer } : {}),
      },
    };
  } catch (e) {
    return exchangeFailed(e, { url: url.href });
  }
}

export const webCategoryKind: ProbeKind = {
  id: 'filter-web-category',
  title: 'Category test pages are blocked over HTTP and HTTPS (by SNI), with the block page recognised',
  help:
    "Fetches each filtering.profiles.<profile>.webTests URL ({category, url}: the filter vendor's test pages or the\n" +
    "school's own) as a browser on the network would: name resolved by the network's resolver, HTTPS with the name\n" +
    "as SNI and the certificate verified (probes.trustCa adds the filter's interception CA). Passes when the name\n" +
    'is blocked in DNS, the connection is refused, reset or dropped, the filter answers 4xx/5xx, or the page\n' +
    "contains one of the profile's blockPage texts; fails when the page itself is served. A certificate the probe\n" +
    'cannot verify is an error. A profile with no webTests is an error.',
  checkId: 'probe-filter-web-category',
  plan({ school, network }) {
    const p = effectiveProfile(school.decl, network);
    if (!p) return [];
    const base = { kind: 'filter-web-category', network: network.name, scope: p.name };
    if (p.webTests.length === 0)
      return [
        {
          ...base,
          id: 'no-tests',
          target: '(none)',
          asked: 'nothing: the profile names no web test pages',
          expected: 'at least one webTests entry',
          params: { missing: true },
        },
      ];
    return p.webTests.map((t) => ({
      ...base,
      id: `${t.category}@${t.url}`,
      target: t.url,
      asked: `GET ${t.url} (${t.category} test page)`,
      expected: `blocked${p.blockPage.length ? ` (block page: ${p.blockPage.join(' | ')})` : ''}`,
      params: { category: t.category, url: t.url, blockPage: p.blockPage, blockAddresses: p.blockAddresses },
    }));
  },
  run(c, ctx) {
    if (c.params['missing'] === true)
      return Promise.resolve(notRun('E-NO-TESTS', `filtering profile ${c.scope ?? ''} names no webTests`));
    return fetchCase(c, ctx);
  },
};

export const downloadKind: ProbeKind = {
  id: 'filter-download',
  title: 'Executable downloads are blocked where the policy asks',
  help:
    'Fetches each filtering.profiles.<profile>.downloadTests URL (a harmless executable test file the filter vendor\n' +
    'or the school publishes), at most 64 KiB. Passes when the download is blocked (DNS, refused, 4xx/5xx or the\n' +
    'block page); fails when the file is handed out. Profiles without downloadTests are not tested (the\n' +
    'policy does not ask).',
  checkId: 'probe-filter-download',
  plan({ school, network }) {
    const p = effectiveProfile(school.decl, network);
    if (!p) return [];
    return p.downloadTests.map((url) => ({
      kind: 'filter-download',
      id: `download@${url}`,
      network: network.name,
      scope: p.name,
      target: url,
      asked: `GET ${url} (executable test file)`,
      expected: 'blocked',
      params: { url, blockPage: p.blockPage, blockAddresses: p.blockAddresses },
    }));
  },
  run: fetchCase,
};

/**
 * filter-safesearch: the search engines' own enforcement names, as their owners document them for
 * networks that lock SafeSearch with DNS:
 * - Google, "Lock SafeSearch for devices & networks you manage" (support.google.com/websearch/answer/186669):
 *   www.google.com (and the country domains) as a CNAME of forcesafesearch.google.com;
 * - YouTube, "Restrict YouTube content on your network or managed devices"
 *   (support.google.com/a/answer/6214622): www.youtube.com, m.youtube.com, youtubei.googleapis.com,
 *   youtube.googleapis.com and www.youtube-nocookie.com as restrict.youtube.com (strict) or
 *   restrictmoderate.youtube.com (moderate);
 * - Microsoft Bing, "Block adult content with SafeSearch" (support.microsoft.com, the network section):
 *   www.bing.com as a CNAME of strict.bing.com.
 * Each case asks the network's resolver for the public name and for its enforced name; the verdict
 * (checks/probes/probe-filter-safesearch.check.ts) passes when the public name is that CNAME or resolves only
 * to the enforced name's addresses.
 */
import { queryUdp } from '../dns.ts';
import type { ProbeCase, ProbeKind, ProbeOutcome } from '../types.ts';
import { exchangeFailed, notRun, queryOpts, resolverOf } from './common.ts';
import { effectiveProfile } from './profile.ts';

export const SAFESEARCH_NAMES = {
  google: { enforced: 'forcesafesearch.google.com', names: ['www.google.com', 'www.google.co.uk'] },
  bing: { enforced: 'strict.bing.com', names: ['www.bing.com'] },
  youtube: {
    strict: 'restrict.youtube.com',
    moderate: 'restrictmoderate.youtube.com',
    names: [
      'www.youtube.com',
      'm.youtube.com',
      'youtubei.googleapis.com',
      'youtube.googleapis.com',
      'www.youtube-nocookie.com',
    ],
  },
} as const;

export const safeSearchKind: ProbeKind = {
  id: 'filter-safesearch',
  title: "SafeSearch is enforced (Google, Bing, YouTube at the profile's level)",
  help:
    "Asks the network's resolver for www.google.com and www.google.co.uk (enforced name forcesafesearch.google.com),\n" +
    'www.bing.com (strict.bing.com) and the five YouTube names (restrict.youtube.com for youtube: strict,\n' +
    'restrictmoderate.youtube.com for moderate), as Google and Microsoft document for networks that lock\n' +
    'SafeSearch with DNS. Passes when each name is a CNAME of its enforced name or resolves only to the enforced\n' +
    "name's addresses; fails otherwise (YouTube at the other level fails too). filtering.profiles.<p>.safeSearch\n" +
    'turns an engine off (google: false, bing: false, youtube: off).',
  checkId: 'probe-filter-safesearch',
  plan({ school, network }) {
    const p = effectiveProfile(school.decl, network);
    if (!p) return [];
    const out: ProbeCase[] = [];
    const add = (engine: string, name: string, enforced: string, level?: string): void => {
      out.push({
        kind: 'filter-safesearch',
        id: `${engine}@${name}`,
        network: network.name,
        scope: p.name,
        target: name,
        asked: `A? ${name} and A? ${enforced} from the network's resolver`,
        expected: `${name} is ${enforced} (CNAME or the same addresses)`,
        params: { engine, name, enforced, ...(level ? { level } : {}) },
      });
    };
    if (p.safeSearch.google)
      for (const n of SAFESEARCH_NAMES.google.names) add('google', n, SAFESEARCH_NAMES.google.enforced);
    if (p.safeSearch.bing)
      for (const n of SAFESEARCH_NAMES.bing.names) add('bing', n, SAFESEARCH_NAMES.bing.enforced);
    if (p.safeSearch.youtube !== 'off') {
      const enforced = SAFESEARCH_NAMES.youtube[p.safeSearch.youtube];
      for (const n of SAFESEARCH_NAMES.youtube.names) add('youtube', n, enforced, p.safeSearch.youtube);
    }
    return out;
  },
  async run(c, ctx): Promise<ProbeOutcome> {
    const server = resolverOf(ctx);
    if (server === undefined) return notRun('E-NO-RESOLVER', 'the network has no resolver to ask');
    const evidence = { resolver: server };
    try {
      const [a, e] = await Promise.all([
        queryUdp(server, String(c.params['name']), 'A', queryOpts(ctx)),
        queryUdp(server, String(c.params['enforced']), 'A', queryOpts(ctx)),
      ]);
      return {
        outcome: 'answered',
        answered: `${c.params['name']}: ${a.rcode} ${[...a.cnames.map((n) => `CNAME ${n}`), ...a.addresses].join(', ') || '(nothing)'}; ${c.params['enforced']}: ${e.rcode} ${e.addresses.join(', ') || '(nothing)'}`,
        evidence: {
          ...evidence,
          rcode: a.rcode,
          addresses: a.addresses,
          cnames: a.cnames,
          enforcedRcode: e.rcode,
          enforcedAddresses: e.addresses,
        },
      };
    } catch (err) {
      return exchangeFailed(err, evidence);
    }
  },
};

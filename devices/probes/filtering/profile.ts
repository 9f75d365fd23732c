/**
 * A network's filtering profile with the defaults a UK school would expect filled in. The defaults name
 * no category content: category test names and pages are the vendor's or the school's own, declared.
 */
import type { FilteringProfile, Network, SchoolDeclaration } from '../../../inventory/types.ts';

/** Well-known public resolvers a pupil could point a device at (plain DNS, DoT 853 and DoH). */
export const DEFAULT_OUTSIDE_RESOLVERS = ['8.8.8.8', '1.1.1.1', '9.9.9.9'];
export const DEFAULT_DOT = ['8.8.8.8#dns.google', '1.1.1.1#cloudflare-dns.com', '9.9.9.9#dns.quad9.net'];
export const DEFAULT_DOH = [
  'https://dns.google/dns-query',
  'https://cloudflare-dns.com/dns-query',
  'https://dns.quad9.net/dns-query',
];
export const DEFAULT_BYPASS_QUERY = 'www.example.com';

export interface EffectiveProfile {
  name: string;
  provider?: string;
  blockAddresses: string[];
  blockPage: string[];
  dnsTests: { category: string; name: string }[];
  webTests: { category: string; url: string }[];
  downloadTests: string[];
  safeSearch: { google: boolean; bing: boolean; youtube: 'strict' | 'moderate' | 'off' };
  bypass: { outsideResolvers: string[]; dot: string[]; doh: string[]; queryName: string };
}

/** The network's profile, or undefined when the network names none (it is then not filtering-probed). */
export function effectiveProfile(decl: SchoolDeclaration, network: Network): EffectiveProfile | undefined {
  const name = network.filteringProfile;
  if (name === undefined) return undefined;
  const p: FilteringProfile = decl.filtering?.profiles[name] ?? {};
  return {
    name,
    ...(p.provider === undefined ? {} : { provider: p.provider }),
    blockAddresses: p.blockAddresses ?? [],
    blockPage: p.blockPage ?? [],
    dnsTests: p.dnsTests ?? [],
    webTests: p.webTests ?? [],
    downloadTests: p.downloadTests ?? [],
    safeSearch: {
      google: p.safeSearch?.google ?? true,
      bing: p.safeSearch?.bing ?? true,
      youtube: p.safeSearch?.youtube ?? (network.role === 'pupils' ? 'strict' : 'moderate'),
    },
    bypass: {
      outsideResolvers: p.bypass?.outsideResolvers ?? DEFAULT_OUTSIDE_RESOLVERS,
      dot: p.bypass?.dot ?? DEFAULT_DOT,
      doh: p.bypass?.doh ?? DEFAULT_DOH,
      queryName: p.bypass?.queryName ?? DEFAULT_BYPASS_QUERY,
    },
  };
}

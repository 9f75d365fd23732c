/** The filtering probe kinds (issue #18): DNS categories, SafeSearch, bypass, web pages, downloads. */
import type { ProbeKind } from '../types.ts';
import { bypassKind } from './bypass.ts';
import { dhcpResolverKind } from './dhcp-resolver.ts';
import { dnsCategoryKind } from './dns-category.ts';
import { safeSearchKind } from './safesearch.ts';
import { downloadKind, webCategoryKind } from './web.ts';

export const filteringKinds: readonly ProbeKind[] = [
  dhcpResolverKind,
  dnsCategoryKind,
  safeSearchKind,
  bypassKind,
  webCategoryKind,
  downloadKind,
];

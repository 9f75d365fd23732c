/** The filtering probe kinds (issue #18): DNS categories, SafeSearch, bypass, web pages, downloads. */
import type { ProbeKind } from '../types.ts';
import { dnsCategoryKind } from './dns-category.ts';

export const filteringKinds: readonly ProbeKind[] = [dnsCategoryKind];

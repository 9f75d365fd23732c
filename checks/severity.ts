/** The one severity order: most severe first. Sorting, "worst of" and the report's sections all use it. */
import type { Severity } from './types.ts';

export const SEVERITY_ORDER: readonly Severity[] = ['critical', 'high', 'medium', 'low', 'info'];

/** 0 for critical up to 4 for info: a smaller rank is more severe. */
export function severityRank(s: Severity): number {
  return SEVERITY_ORDER.indexOf(s);
}

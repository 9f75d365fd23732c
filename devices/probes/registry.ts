/**
 * Every probe kind, by static import so `schoolnet probe --help` can list them without sending anything.
 * Adding a kind means one import and one entry here, and its judging check under checks/probes/.
 */
import type { ProbeKind } from './types.ts';
import { filteringKinds } from './filtering/index.ts';

export const allProbeKinds: readonly ProbeKind[] = [...filteringKinds];

const byId = new Map<string, ProbeKind>(allProbeKinds.map((k) => [k.id, k]));

export function getProbeKind(id: string): ProbeKind | undefined {
  return byId.get(id);
}

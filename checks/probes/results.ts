/**
 * Each probe observation with its verdict (one row of `schoolnet probe`): the kind's check judges the
 * observation alone, so the row and the finding say the same thing.
 */

import type { ProbeFacts, ProbeResult, SchoolFacts } from '../../devices/facts.ts';
import { getCheck } from '../registry.ts';
import type { CheckContext } from '../types.ts';

export function probeResults(
  facts: ProbeFacts,
  checkOf: (kind: string) => string | undefined,
  ctx: CheckContext,
): ProbeResult[] {
  return facts.observations.map((o) => {
    const checkId = checkOf(o.kind) ?? '';
    const check = getCheck(checkId);
    const one: SchoolFacts = {
      school: ctx.decl.school.id,
      collectedAt: facts.collectedAt,
      routers: [],
      switches: [],
      probes: { ...facts, observations: [o] },
    };
    const r = check?.evaluate(one, check.meta.defaults, ctx)[0];
    if (!check || !r || r.status === 'not_applicable')
      return { ...o, checkId, status: 'error', reason: `No check judges probe kind ${o.kind}.` };
    return { ...o, checkId, status: r.status, reason: r.reason };
  });
}

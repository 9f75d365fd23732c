import type { Check } from '../types.ts';
import { downloadJudge } from './probe-filter-web-category.check.ts';
import { judgeKind } from './observations.ts';

/** Executable test files are refused by the filter where the profile names them. */
const check: Check = {
  meta: {
    id: 'probe-filter-download',
    title: 'The filter blocks executable downloads where the policy asks',
    controls: ['FLT-EXECUTABLES'],
    needs: ['probes'],
    params: { type: 'object', properties: {}, additionalProperties: false },
    defaults: {},
  },
  evaluate(facts, _params, ctx) {
    return judgeKind(facts, ctx.decl, 'filter-download', (o) => downloadJudge(o, ctx));
  },
};

export default check;

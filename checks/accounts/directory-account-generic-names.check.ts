import { accountPersonal, isBreakGlass, patterns } from '../lib/people.ts';
import { fail, withRest } from '../lib/results.ts';
import { directoryFacts } from '../lib/sources.ts';
import type { Check, CheckResult } from '../types.ts';

type Params = { patterns: string[]; allow: string[] };

const DEFAULT_PATTERNS = [
  '^(class|year|yr|form|room|group)[ ._-]?[0-9a-z]{0,3}$',
  '^(student|pupil|staff|teacher|user|test|shared|office|reception|library|ict|it|nursery|admin|administrator|supply|exam|exams|kiosk|laptop|ipad)[ ._-]?[0-9]*$',
];

/** Shared logins (class1, office, reception) hide who did what; schools may allow some (nursery class logins). */
const check: Check<Params> = {
  meta: {
    id: 'directory-account-generic-names',
    title: 'No shared or generic accounts',
    controls: ['ACC-UNIQUE'],
    needs: ['directory'],
    params: {
      type: 'object',
      properties: {
        patterns: { type: 'array', items: { type: 'string', format: 'regex' }, default: DEFAULT_PATTERNS },
        allow: {
          type: 'array',
          items: { type: 'string', format: 'regex' },
          default: [],
          description: "Shared accounts the school's policy allows (e.g. nursery class logins).",
        },
      },
      additionalProperties: false,
    },
    defaults: { patterns: DEFAULT_PATTERNS, allow: [] },
  },
  evaluate(facts, params, ctx) {
    const dir = directoryFacts(facts, ctx);
    if (!dir.ok) return dir.results;
    const generic = patterns(params.patterns);
    const allowed = patterns(params.allow);
    const out: CheckResult[] = [];
    let fine = 0;
    for (const a of dir.value.accounts) {
      if (!a.enabled || isBreakGlass(ctx, a)) continue;
      if (allowed.some((p) => p.test(a.username)) || !generic.some((p) => p.test(a.username))) {
        fine++;
        continue;
      }
      out.push(
        fail(
          `${a.username} looks like a shared login rather than one person's account.`,
          {
            source: 'directory',
            object: a.username,
            expected: 'a named, individual account',
            actual: 'generic name',
          },
          accountPersonal(a, ctx, facts),
        ),
      );
    }
    return withRest(
      out,
      fine,
      'enabled account',
      'named, individual accounts (or allowed by the policy).',
      'directory',
    );
  },
};

export default check;

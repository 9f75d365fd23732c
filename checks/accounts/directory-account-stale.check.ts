import { accountPersonal, isBreakGlass } from '../lib/people.ts';
import { fail, withRest } from '../lib/results.ts';
import { directoryFacts } from '../lib/sources.ts';
import { daysBetween } from '../lib/time.ts';
import type { Check, CheckResult } from '../types.ts';

type Params = { staleAfterDays: number | null };

/** Enabled accounts unused for longer than the school's period; break-glass accounts are meant to sit unused. */
const check: Check<Params> = {
  meta: {
    id: 'directory-account-stale',
    title: 'No enabled account is long unused',
    controls: ['ACC-STALE'],
    needs: ['directory'],
    params: {
      type: 'object',
      properties: {
        staleAfterDays: {
          type: ['integer', 'null'],
          minimum: 1,
          maximum: 3650,
          default: null,
          description: "null = the declaration's lifecycle.staleAfterDays (else 90).",
        },
      },
      additionalProperties: false,
    },
    defaults: { staleAfterDays: null },
  },
  evaluate(facts, params, ctx) {
    const dir = directoryFacts(facts, ctx);
    if (!dir.ok) return dir.results;
    const limit = params.staleAfterDays ?? ctx.decl.lifecycle?.staleAfterDays ?? 90;
    const out: CheckResult[] = [];
    let fine = 0;
    for (const a of dir.value.accounts) {
      if (!a.enabled || isBreakGlass(ctx, a)) continue;
      const idle = a.lastLogon === undefined ? undefined : daysBetween(a.lastLogon, ctx.now);
      const age = a.created === undefined ? undefined : daysBetween(a.created, ctx.now);
      const evidence = {
        source: 'directory',
        object: a.username,
        expected: `signed in within ${limit} days`,
        actual: a.lastLogon === undefined ? 'never signed in' : `last sign-in ${a.lastLogon.slice(0, 10)}`,
      };
      if (idle !== undefined && idle > limit) {
        out.push(
          fail(
            `${a.username} has not signed in for ${idle} days (limit ${limit}).`,
            evidence,
            accountPersonal(a, ctx, facts),
          ),
        );
      } else if (idle === undefined && (age === undefined || age > limit)) {
        const since = age === undefined ? '' : `, created ${age} days ago`;
        out.push(
          fail(
            `${a.username} is enabled but has never signed in${since}.`,
            evidence,
            accountPersonal(a, ctx, facts),
          ),
        );
      } else {
        fine++;
      }
    }
    return withRest(out, fine, 'enabled account', `used within ${limit} days, or new.`, 'directory');
  },
};

export default check;

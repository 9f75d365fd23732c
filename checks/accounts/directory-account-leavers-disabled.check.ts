import type { DirectoryAccount, DirectoryFacts } from '../../devices/facts.ts';
import { rolePersonal, rosterMatcher } from '../lib/people.ts';
import { fail, pass, plural } from '../lib/results.ts';
import { directoryAndRoster } from '../lib/sources.ts';
import { daysBetween } from '../lib/time.ts';
import type { Check, CheckResult } from '../types.ts';

type Params = { graceDays: number | null; action: 'disable' | 'disable-and-move' | null };

/** OpenLDAP has no "disabled" bit: a ppolicy lock is how a leaver is switched off there. */
function switchedOff(a: DirectoryAccount, dir: DirectoryFacts): boolean {
  return !a.enabled || (dir.kind === 'openldap' && a.locked);
}

/**
 * Every person on the roster whose leaving date is more than the grace period ago must have every
 * matching account switched off (and, where the school moves leavers, in the leavers OU).
 */
const check: Check<Params> = {
  meta: {
    id: 'directory-account-leavers-disabled',
    title: "Leavers' accounts are disabled",
    controls: ['ACC-LEAVERS'],
    needs: ['directory', 'roster'],
    params: {
      type: 'object',
      properties: {
        graceDays: {
          type: ['integer', 'null'],
          minimum: 0,
          maximum: 365,
          default: null,
          description: "Days after the leaving date; null = the declaration's lifecycle.leavers.graceDays (else 0).",
        },
        action: {
          enum: ['disable', 'disable-and-move', null],
          default: null,
          description: "null = the declaration's lifecycle.leavers.action (else disable).",
        },
      },
      additionalProperties: false,
    },
    defaults: { graceDays: null, action: null },
  },
  evaluate(facts, params, ctx) {
    const src = directoryAndRoster(facts, ctx);
    if (!src.ok) return src.results;
    const { dir, roster } = src.value;
    const grace = params.graceDays ?? ctx.decl.lifecycle?.leavers.graceDays ?? 0;
    const action = params.action ?? ctx.decl.lifecycle?.leavers.action ?? 'disable';
    const match = rosterMatcher(roster.people, ctx);
    const out: CheckResult[] = [];
    let withinGrace = 0;
    let noAccount = 0;
    for (const person of roster.people) {
      if (person.leavingDate === undefined) continue;
      const since = daysBetween(person.leavingDate, ctx.now);
      if (since === undefined || since < 0) continue;
      const accounts = match.accountsOf(person, dir.accounts);
      if (accounts.length === 0) {
        noAccount++;
        continue;
      }
      if (since <= grace) {
        withinGrace++;
        continue;
      }
      for (const a of accounts) {
        const off = switchedOff(a, dir);
        const moved = a.ou === 'leavers';
        const ok = off && (action === 'disable' || moved);
        const expected = action === 'disable' ? 'disabled' : 'disabled and in the leavers OU';
        const actual = `${off ? 'disabled' : 'enabled'}, in ${a.ou} OU`;
        const evidence = { source: 'directory', object: a.username, expected, actual };
        const who = `${a.username} (roster line ${person.line}, left ${person.leavingDate})`;
        out.push(
          ok
            ? pass(`${who} is ${expected}.`, evidence, rolePersonal(person.role))
            : fail(
                off
                  ? `${who} is disabled but still outside the leavers OU, ${since} days after leaving.`
                  : `${who} is still enabled ${since} days after leaving (grace ${grace} days).`,
                evidence,
                rolePersonal(person.role),
              ),
        );
      }
    }
    if (withinGrace + noAccount > 0) {
      out.push(
        pass(
          `${plural(withinGrace, 'leaver')} still within the ${grace}-day grace period and ${plural(noAccount, 'leaver')} with no account.`,
          { source: 'roster', object: '(other leavers)', actual: String(withinGrace + noAccount) },
        ),
      );
    }
    if (out.length === 0) out.push(pass('Nobody on the roster has left yet.', { source: 'roster', object: roster.file }));
    return out;
  },
};

export default check;

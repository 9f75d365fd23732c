import { rosterIdAttribute } from '../../inventory/roster-id.ts';
import { matchLeavers, type LeaverAccount, type LeaverResult } from '../lib/leavers.ts';
import { rolePersonal } from '../lib/people.ts';
import { CalendarRangeError, divisionFor, workingDaysBetween } from '../lib/calendar/calendar.ts';
import { error, fail, pass, plural } from '../lib/results.ts';
import { directoryAndRoster, rosterProblemResults } from '../lib/sources.ts';
import type { Check, CheckResult } from '../types.ts';

type Params = {
  graceDays: number | null;
  graceUnit: 'days' | 'working-days' | null;
  action: 'disable' | 'disable-and-move' | null;
};

function judge(
  l: LeaverResult,
  a: LeaverAccount,
  action: 'disable' | 'disable-and-move',
  device: string,
): CheckResult {
  const expected = action === 'disable' ? 'disabled' : 'disabled and in the leavers OU';
  const actual = `${a.enabled ? 'enabled' : 'disabled'}, in ${a.ou} OU${a.lastLogon === undefined ? '' : `, last sign-in ${a.lastLogon.slice(0, 10)}`}`;
  const evidence = { source: device, object: a.username, expected, actual };
  const by =
    l.matchedBy === 'name'
      ? ' (matched by name only)'
      : l.matchedBy === 'account'
        ? ' (matched by account name)'
        : '';
  const who = `${a.username} (roster line ${l.line}, left ${l.leavingDate})${by}`;
  const personal = rolePersonal(l.role);
  switch (a.state) {
    case 'logged-on-after-leaving':
      return fail(
        `${who} was used after the leaving date (last sign-in ${a.lastLogon?.slice(0, 10) ?? '?'}).`,
        evidence,
        personal,
      );
    case 'enabled':
    case 'enabled-in-leavers-ou':
      return fail(
        `${who} is still enabled${a.ou === 'leavers' ? ' although it was moved to the leavers OU' : ''}.`,
        evidence,
        personal,
      );
    case 'disabled':
      return action === 'disable-and-move' && a.ou !== 'leavers'
        ? fail(`${who} is disabled but was not moved to the leavers OU.`, evidence, personal)
        : pass(`${who} is ${expected}.`, evidence, personal);
  }
}

/**
 * Every person on the roster whose leaving date is past the grace period has every matching account
 * switched off (and, where the school moves leavers, in the leavers OU). Matching is the directories'
 * shared `matchLeavers`, so the audit and `schoolnet leavers` always agree.
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
          description:
            "Days after the leaving date; null = the declaration's lifecycle.leavers.graceDays (else 0).",
        },
        graceUnit: {
          enum: ['days', 'working-days', null],
          default: null,
          description:
            "working-days: weekdays that are not bank holidays of the school's division (calendar.bankHolidays, else its jurisdiction's); null = the declaration's lifecycle.leavers.graceUnit (else days).",
        },
        action: {
          enum: ['disable', 'disable-and-move', null],
          default: null,
          description: "null = the declaration's lifecycle.leavers.action (else disable).",
        },
      },
      additionalProperties: false,
    },
    defaults: { graceDays: null, graceUnit: null, action: null },
  },
  evaluate(facts, params, ctx) {
    // Partial: the good rows are judged and each unreadable row is an error of its own.
    const src = directoryAndRoster(facts, ctx, { partial: true });
    if (!src.ok) return src.results;
    const { dir, roster } = src.value;
    const grace = params.graceDays ?? ctx.decl.lifecycle?.leavers.graceDays ?? 0;
    const action = params.action ?? ctx.decl.lifecycle?.leavers.action ?? 'disable';
    const unit = params.graceUnit ?? ctx.decl.lifecycle?.leavers.graceUnit ?? 'days';
    const division = divisionFor(ctx.decl.school.jurisdiction, ctx.decl.calendar?.bankHolidays);
    let report: ReturnType<typeof matchLeavers>;
    try {
      report = matchLeavers(roster.people, dir.accounts, {
        asOf: ctx.now.slice(0, 10),
        idAttribute: rosterIdAttribute(ctx.decl.lifecycle, ctx.decl.directory),
        graceDays: grace,
        ...(unit === 'working-days'
          ? {
              withinGrace: (left: string, asOf: string) =>
                grace > 0 && workingDaysBetween(left, asOf, division) <= grace,
            }
          : {}),
        action,
      });
    } catch (e) {
      if (!(e instanceof CalendarRangeError)) throw e;
      return [
        error(`The grace period is in working days, but ${e.message}.`, {
          source: 'calendar',
          object: division,
        }),
      ];
    }
    const out: CheckResult[] = [];
    let withinGrace = 0;
    for (const l of report.leavers) {
      if (l.state === 'unmatched' || l.state === 'ambiguous') {
        // Never "not found, so fine": a leaver with no account proven off fails, with what to do.
        out.push(
          fail(
            `Roster line ${l.line} (left ${l.leavingDate}) is ${l.state === 'unmatched' ? 'matched to no account' : 'ambiguous'}: ${l.reason ?? ''} ${l.action ?? ''}`.trim(),
            {
              source: 'roster',
              object: `${roster.file}:${l.line}`,
              expected: 'exactly one account, disabled',
              actual:
                l.accounts.length === 0
                  ? 'no account'
                  : `candidates: ${l.accounts.map((a) => a.username).join(', ')}`,
            },
            rolePersonal(l.role),
          ),
        );
      } else if (l.withinGrace) withinGrace++;
      else for (const a of l.accounts) out.push(judge(l, a, action, dir.device));
    }
    if (withinGrace > 0) {
      out.push(
        pass(
          `${plural(withinGrace, 'leaver')} within the ${grace}-${unit === 'working-days' ? 'working-day' : 'day'} grace period.`,
          {
            source: 'roster',
            object: '(other leavers)',
            actual: String(withinGrace),
          },
        ),
      );
    }
    out.push(...rosterProblemResults(roster));
    if (out.length === 0)
      out.push(pass('Nobody on the roster has left yet.', { source: 'roster', object: roster.file }));
    return out;
  },
};

export default check;

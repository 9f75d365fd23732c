import type { DirectoryAccount } from '../../devices/facts.ts';
import { rosterIdAttribute } from '../../inventory/roster-id.ts';
import { attributeValues, matchLeavers } from '../lib/leavers.ts';
import { rolePersonal } from '../lib/people.ts';
import { fail, notApplicable, pass, plural } from '../lib/results.ts';
import { directoryAndRoster, rosterProblemResults } from '../lib/sources.ts';
import type { Check, CheckResult } from '../types.ts';

type Params = { afterDays: number | null; holdGroup: string | null; holdAttribute: string | null };

/**
 * A leaver's account is deleted or archived once the school's period after the leaving date is over
 * ("leavers' accounts are deleted after 90 days unless on hold"). An account still in the directory
 * after that fails, unless it is on hold the way the school names: a member of its hold group, or
 * with any value in its hold attribute. A leaver matched to no account (already deleted) passes.
 * Period and hold default from the declaration's lifecycle.leavers (declared-params.ts).
 */
const check: Check<Params> = {
  meta: {
    id: 'directory-account-leavers-removed',
    title: "Leavers' accounts are deleted or archived after the school's period",
    controls: ['ACC-LEAVERS-REMOVED'],
    needs: ['directory', 'roster'],
    params: {
      type: 'object',
      properties: {
        afterDays: {
          type: ['integer', 'null'],
          minimum: 1,
          maximum: 3650,
          default: null,
          description:
            "Days after the leaving date; null = the declaration's lifecycle.leavers.removeAfterDays.",
        },
        holdGroup: { type: ['string', 'null'], minLength: 1, default: null },
        holdAttribute: { type: ['string', 'null'], pattern: '^[A-Za-z][A-Za-z0-9-]{0,63}$', default: null },
      },
      additionalProperties: false,
    },
    defaults: { afterDays: null, holdGroup: null, holdAttribute: null },
  },
  evaluate(facts, params, ctx) {
    if (params.afterDays === null)
      return [
        notApplicable("The school's policy sets no period after which leavers' accounts are deleted.", {
          source: 'declaration',
          object: 'lifecycle.leavers.removeAfterDays',
        }),
      ];
    const src = directoryAndRoster(facts, ctx, { partial: true });
    if (!src.ok) return src.results;
    const { dir, roster } = src.value;
    const afterDays = params.afterDays;
    const report = matchLeavers(roster.people, dir.accounts, {
      asOf: ctx.now.slice(0, 10),
      idAttribute: rosterIdAttribute(ctx.decl.lifecycle, ctx.decl.directory),
      graceDays: afterDays,
    });
    const byDn = new Map<string, DirectoryAccount>(dir.accounts.map((a) => [a.dn, a]));
    const holdOf = (a: DirectoryAccount | undefined): string | undefined => {
      if (a === undefined) return undefined;
      const group = params.holdGroup;
      if (group !== null && a.groups.some((g) => g.toLowerCase() === group.toLowerCase()))
        return `member of ${group}`;
      const attr = params.holdAttribute;
      if (attr !== null && attributeValues(a, attr).length > 0) return `${attr} set`;
      return undefined;
    };
    const out: CheckResult[] = [];
    let removed = 0;
    let recent = 0;
    for (const l of report.leavers) {
      if (l.withinGrace) {
        recent++;
        continue;
      }
      // Ambiguous rows are the leavers-disabled check's failure; here only proven accounts count.
      if (l.state === 'ambiguous') continue;
      if (l.accounts.length === 0) {
        removed++;
        continue;
      }
      for (const a of l.accounts) {
        const hold = holdOf(byDn.get(a.dn));
        const evidence = {
          source: dir.device,
          object: a.username,
          expected: `deleted or archived ${afterDays} days after leaving, or on hold`,
          actual: `${a.enabled ? 'enabled' : 'disabled'}, in ${a.ou} OU${hold === undefined ? '' : `, on hold (${hold})`}`,
        };
        const who = `${a.username} (roster line ${l.line}, left ${l.leavingDate})`;
        out.push(
          hold !== undefined
            ? pass(`${who} is kept on hold (${hold}).`, evidence, rolePersonal(l.role))
            : fail(
                `${who} still exists more than ${afterDays} days after leaving and is not on hold.`,
                evidence,
                rolePersonal(l.role),
              ),
        );
      }
    }
    if (removed > 0)
      out.push(
        pass(`${plural(removed, 'leaver')} past ${afterDays} days have no account left.`, {
          source: 'roster',
          object: '(removed leavers)',
          actual: String(removed),
        }),
      );
    if (recent > 0)
      out.push(
        pass(`${plural(recent, 'leaver')} left less than ${afterDays} days ago.`, {
          source: 'roster',
          object: '(recent leavers)',
          actual: String(recent),
        }),
      );
    out.push(...rosterProblemResults(roster));
    if (out.length === 0)
      out.push(pass('Nobody on the roster has left yet.', { source: 'roster', object: roster.file }));
    return out;
  },
};

export default check;

import { isAdmin, isBreakGlass, patterns } from '../lib/people.ts';
import { fail, list, pass, verdict } from '../lib/results.ts';
import { directoryFacts } from '../lib/sources.ts';
import type { Check, CheckResult } from '../types.ts';

type Params = { minNamedAdmins: number; requireBreakGlass: boolean; genericNames: string[] };

const GENERIC = ['^administrator$', '^admin[0-9]*$', '^(it|ict|tech|support|helpdesk)[ ._-]?(admin)?[0-9]*$'];

/** Admin passwords held by at least two named people, plus a sealed emergency account. */
const check: Check<Params> = {
  meta: {
    id: 'directory-admin-named-count',
    title: 'At least two named administrators and an emergency account',
    controls: ['ADM-TWO'],
    needs: ['directory', 'declaration'],
    params: {
      type: 'object',
      properties: {
        minNamedAdmins: { type: 'integer', minimum: 1, maximum: 10, default: 2 },
        requireBreakGlass: { type: 'boolean', default: true },
        genericNames: { type: 'array', items: { type: 'string', format: 'regex' }, default: GENERIC },
      },
      additionalProperties: false,
    },
    defaults: { minNamedAdmins: 2, requireBreakGlass: true, genericNames: GENERIC },
  },
  evaluate(facts, params, ctx) {
    const dir = directoryFacts(facts, ctx);
    if (!dir.ok) return dir.results;
    const generic = patterns(params.genericNames);
    const admins = dir.value.accounts.filter((a) => a.enabled && isAdmin(a, dir.value.adminGroups));
    const named = admins.filter((a) => !isBreakGlass(ctx, a) && !generic.some((g) => g.test(a.username)));
    const out: CheckResult[] = [
      verdict(
        named.length >= params.minNamedAdmins,
        {
          pass: `${named.length} named administrators: ${list(named.map((a) => a.username))}.`,
          fail: `Only ${named.length} named administrator${named.length === 1 ? '' : 's'} (${list(named.map((a) => a.username))}); at least ${params.minNamedAdmins} are needed so nobody is locked out when one is away.`,
        },
        {
          source: 'directory',
          object: 'named administrators',
          expected: `>= ${params.minNamedAdmins}`,
          actual: String(named.length),
        },
      ),
    ];
    if (params.requireBreakGlass) {
      const declared = ctx.decl.directory?.breakGlassAccounts ?? [];
      const present = dir.value.accounts.filter(
        (a) => isBreakGlass(ctx, a) && a.enabled && isAdmin(a, dir.value.adminGroups),
      );
      const evidence = {
        source: 'directory',
        object: 'emergency admin account',
        expected: 'a declared break-glass account, enabled, with admin rights',
        actual:
          present.length > 0
            ? list(present.map((a) => a.username))
            : declared.length === 0
              ? 'none declared'
              : 'not found or not admin',
      };
      out.push(
        present.length > 0
          ? pass(`The emergency admin account ${list(present.map((a) => a.username))} is in place.`, evidence)
          : fail(
              declared.length === 0
                ? 'No emergency (break-glass) admin account is declared.'
                : `The declared emergency admin account ${list(declared)} is missing, disabled or has no admin rights.`,
              evidence,
            ),
      );
    }
    return out;
  },
};

export default check;

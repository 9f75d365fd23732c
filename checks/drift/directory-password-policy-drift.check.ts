import { PASSWORD_POLICY_FIELDS, type DirectoryPasswordPolicy } from '../../devices/facts.ts';
import type { PasswordPolicy } from '../../inventory/types.ts';
import { list, notApplicable, verdict, fail } from '../lib/results.ts';
import { directoryFacts } from '../lib/sources.ts';
import type { Check, CheckResult } from '../types.ts';

type Params = Record<string, never>;

function differences(declared: PasswordPolicy, live: DirectoryPasswordPolicy): string[] {
  const out: string[] = [];
  for (const f of PASSWORD_POLICY_FIELDS) {
    const want = declared[f];
    if (want === undefined) continue;
    if (want !== live[f]) out.push(`${f} ${String(live[f])} (declared ${String(want)})`);
  }
  return out;
}

/** The directory's password policies are the ones the declaration says were applied. */
const check: Check<Params> = {
  meta: {
    id: 'directory-password-policy-drift',
    title: 'Directory password policies match the declaration',
    controls: ['CFG-DRIFT'],
    needs: ['directory', 'declaration'],
    params: { type: 'object', properties: {}, additionalProperties: false },
    defaults: {},
  },
  evaluate(facts, _params, ctx) {
    const decl = ctx.decl.directory;
    if (decl === undefined)
      return [notApplicable('The school declares no directory.', { source: 'declaration' })];
    const dir = directoryFacts(facts, ctx);
    if (!dir.ok) return dir.results;
    const pairs: { name: string; declared: PasswordPolicy; live: DirectoryPasswordPolicy | undefined }[] = [
      { name: 'default policy', declared: decl.passwordPolicy, live: dir.value.passwordPolicy },
      ...(decl.fineGrainedPolicies ?? []).map((p) => ({
        name: `fine-grained policy ${p.name}`,
        declared: p as PasswordPolicy,
        live: dir.value.fineGrainedPolicies.find(
          (l) => l.source === p.name || l.source.toLowerCase().startsWith(`cn=${p.name.toLowerCase()},`),
        ),
      })),
    ];
    const out: CheckResult[] = [];
    for (const { name, declared, live } of pairs) {
      if (live === undefined) {
        out.push(
          fail(`The declared ${name} does not exist in the directory.`, {
            source: 'directory',
            object: name,
            expected: 'present',
            actual: 'absent',
          }),
        );
        continue;
      }
      const diffs = differences(declared, live);
      out.push(
        verdict(
          diffs.length === 0,
          {
            pass: `The ${name} matches the declaration.`,
            fail: `The ${name} differs from the declaration: ${list(diffs)}.`,
          },
          {
            source: 'directory',
            object: live.source,
            expected: 'as declared',
            actual: diffs.length === 0 ? 'as declared' : diffs.join('; '),
          },
        ),
      );
    }
    return out;
  },
};

export default check;

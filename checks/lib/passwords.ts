/** Password policies as checks see them: the ordinary accounts' policy plus any fine-grained ones. */
import type { DirectoryFacts, DirectoryPasswordPolicy } from '../../devices/facts.ts';

export function allPolicies(dir: DirectoryFacts): DirectoryPasswordPolicy[] {
  return [dir.passwordPolicy, ...dir.fineGrainedPolicies];
}

/** "the domain policy" or "fine-grained policy Staff-PSO (applies to Staff)". */
export function policyName(p: DirectoryPasswordPolicy, dir: DirectoryFacts): string {
  if (p === dir.passwordPolicy) return `the ${dir.kind === 'ad' ? 'domain' : 'default'} password policy`;
  const to =
    p.appliesTo !== undefined && p.appliesTo.length > 0 ? ` (applies to ${p.appliesTo.join(', ')})` : '';
  return `fine-grained policy ${p.source}${to}`;
}

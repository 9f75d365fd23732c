import { allPolicies, policyName } from '../lib/passwords.ts';
import { notApplicable, verdict } from '../lib/results.ts';
import { directoryFacts } from '../lib/sources.ts';
import type { Check } from '../types.ts';

type Params = Record<string, never>;

/**
 * Known-weak passwords are refused by a deny list, where the directory shows one: on OpenLDAP every
 * ppolicy entry sends new passwords through a check module (pwdCheckModule, or pwdUseCheckModule on
 * 2.6) with pwdCheckQuality on. Active Directory shows no deny list over LDAP (Samba's `check password
 * script` and Entra password protection sit outside the directory): there the clause needs an
 * attestation, which the clause-map validation asks for (checks/engine/deny-list-attestation.ts).
 */
const check: Check<Params> = {
  meta: {
    id: 'directory-password-deny-list',
    title: 'Known-weak passwords are refused',
    controls: ['PW-DENYLIST'],
    needs: ['directory'],
    params: { type: 'object', properties: {}, additionalProperties: false },
    defaults: {},
  },
  evaluate(facts, _params, ctx) {
    const dir = directoryFacts(facts, ctx);
    if (!dir.ok) return dir.results;
    if (dir.value.kind === 'ad')
      return [
        notApplicable(
          'Active Directory does not show its banned-password list to an audit; the clause is attested instead.',
          { source: 'directory', object: 'deny list', expected: 'attested', actual: 'not visible over LDAP' },
        ),
      ];
    return allPolicies(dir.value).map((p) => {
      const name = policyName(p, dir.value);
      const m = p.checkModule ?? { checked: false };
      return verdict(
        m.checked,
        {
          pass: `${name} checks new passwords with ${m.module ?? 'its check module'}, where the deny list lives.`,
          fail: `${name} sends new passwords through no check module, so a known-weak password is accepted${m.module !== undefined ? ` (${m.module} is named but pwdCheckQuality is off)` : ''}.`,
        },
        {
          source: 'directory',
          object: `${p.source} deny list`,
          expected: 'a check module with pwdCheckQuality 1 or 2',
          actual: m.checked
            ? (m.module ?? 'pwdUseCheckModule TRUE')
            : m.module !== undefined
              ? `${m.module}, quality off`
              : 'none',
        },
      );
    });
  },
};

export default check;

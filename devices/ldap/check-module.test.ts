import { describe, expect, it } from 'vitest';
import { ppolicyCheckModule } from './policy.ts';
import type { RawEntry } from './values.ts';

// Entries shaped as slapd returns them (attribute names as the ppolicy schema spells them).
const entry = (attrs: Record<string, string[]>): RawEntry => ({
  dn: 'cn=default,ou=policies,dc=school,dc=test',
  ...attrs,
});

describe('ppolicy check module (where a deny list lives)', () => {
  it.each<[Record<string, string[]>, { checked: boolean; module?: string }]>([
    [
      { pwdCheckQuality: ['2'], pwdCheckModule: ['pqchecker.so'] },
      { checked: true, module: 'pqchecker.so' },
    ],
    [{ pwdCheckQuality: ['1'], pwdUseCheckModule: ['TRUE'] }, { checked: true }],
    // slapd skips the module when quality checking is off.
    [
      { pwdCheckQuality: ['0'], pwdCheckModule: ['pqchecker.so'] },
      { checked: false, module: 'pqchecker.so' },
    ],
    [{ pwdCheckQuality: ['2'], pwdUseCheckModule: ['FALSE'] }, { checked: false }],
    [{ pwdCheckQuality: ['2'] }, { checked: false }],
  ])('%o -> %o', (attrs, want) => {
    expect(ppolicyCheckModule(entry(attrs))).toEqual(want);
  });
});

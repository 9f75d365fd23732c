import { describe, expect, it } from 'vitest';
import { genTimeIso } from './accounts.ts';
import { escapeDnValue, isUnder, normalizeDn, parentDn, parseDn, sameDn } from './dn.ts';
import {
  adDomainPolicy,
  adDomainPolicyChanges,
  AD_NEVER,
  ppolicy,
  ppolicyAttributes,
  policyProblems,
} from './policy.ts';
import {
  bigInt,
  fromFiletime,
  fromGeneralizedTime,
  int,
  text,
  texts,
  toFiletime,
  toGeneralizedTime,
} from './values.ts';

describe('attribute values as ldapts hands them over', () => {
  const entry = {
    dn: 'CN=x',
    cn: 'Single',
    memberOf: ['CN=A,DC=s', 'CN=B,DC=s'],
    objectGUID: Buffer.from([1, 2, 3]),
    empty: [] as string[],
    userAccountControl: '66048',
    lastLogon: '9223372036854775807',
  };

  it('reads one value or many, text or Buffer, and attribute names case-insensitively', () => {
    expect(text(entry, 'cn')).toBe('Single');
    expect(text(entry, 'CN')).toBe('Single');
    expect(texts(entry, 'memberof')).toEqual(['CN=A,DC=s', 'CN=B,DC=s']);
    expect(texts(entry, 'empty')).toEqual([]);
    expect(text(entry, 'empty')).toBeUndefined();
    expect(text(entry, 'missing')).toBeUndefined();
    expect(int(entry, 'userAccountControl')).toBe(66048);
    expect(bigInt(entry, 'lastLogon')).toBe(9223372036854775807n);
  });
});

describe('AD FILETIME', () => {
  it('converts 100-ns ticks since 1601 both ways', () => {
    const d = new Date('2026-07-22T08:30:00.000Z');
    expect(fromFiletime(toFiletime(d))?.toISOString()).toBe(d.toISOString());
    expect(fromFiletime('116444736000000000')?.toISOString()).toBe('1970-01-01T00:00:00.000Z');
  });

  it('treats 0 and 0x7FFFFFFFFFFFFFFF as never, and garbage as absent', () => {
    expect(fromFiletime('0')).toBeUndefined();
    expect(fromFiletime('9223372036854775807')).toBeUndefined();
    expect(fromFiletime('not a number')).toBeUndefined();
    expect(fromFiletime(undefined)).toBeUndefined();
  });
});

describe('LDAP generalized time', () => {
  it('parses the forms directories send', () => {
    expect(fromGeneralizedTime('20261124143333Z')?.toISOString()).toBe('2026-11-24T14:33:33.000Z');
    expect(fromGeneralizedTime('20261124143333.0Z')?.toISOString()).toBe('2026-11-24T14:33:33.000Z');
    expect(fromGeneralizedTime('20261124143333.123Z')?.toISOString()).toBe('2026-11-24T14:33:33.123Z');
    expect(fromGeneralizedTime('202611241433Z')?.toISOString()).toBe('2026-11-24T14:33:00.000Z');
    expect(fromGeneralizedTime('20261124143333+0100')?.toISOString()).toBe('2026-11-24T13:33:33.000Z');
    expect(toGeneralizedTime(new Date('2026-11-24T14:33:33.456Z'))).toBe('20261124143333Z');
  });

  it('rejects impossible or malformed times', () => {
    expect(fromGeneralizedTime('20260231120000Z')).toBeUndefined();
    expect(fromGeneralizedTime('20261324120000Z')).toBeUndefined();
    expect(fromGeneralizedTime('2026-11-24')).toBeUndefined();
    expect(fromGeneralizedTime('20261124143333')).toBeUndefined();
  });

  it('gives the facts the ISO form the full parser gives, on every day of every month, leap years and the edges', () => {
    const pad = (n: number, w = 2) => String(n).padStart(w, '0');
    let compared = 0;
    const wrong: string[] = [];
    for (const year of [999, 1900, 2000, 2024, 2100])
      for (let month = 0; month <= 13; month++)
        for (let day = 0; day <= 32; day++)
          for (const [h, m, s] of [
            [0, 0, 0],
            [23, 59, 59],
            [12, 30, 60],
            [24, 0, 0],
          ] as const)
            for (const tail of ['Z', '.0Z', '.5Z', '+0100']) {
              const v = `${pad(year, 4)}${pad(month)}${pad(day)}${pad(h)}${pad(m)}${pad(s)}${tail}`;
              // Twice: the second answer is the remembered one.
              const want = fromGeneralizedTime(v)?.toISOString();
              const got = [genTimeIso(v), genTimeIso(v)];
              if (got[0] !== want || got[1] !== want) wrong.push(`${v}: ${got.join(' ')}, not ${want}`);
              compared++;
            }
    expect(wrong).toEqual([]);
    expect(compared).toBe(5 * 14 * 33 * 4 * 4);
    expect(genTimeIso('20240229120000Z')).toBe('2024-02-29T12:00:00.000Z');
    expect(genTimeIso('21000229120000Z')).toBeUndefined();
    expect(genTimeIso('2026112414333xZ')).toBeUndefined();
    expect(genTimeIso(undefined)).toBeUndefined();
  });
});

describe('distinguished names', () => {
  it('escapes specials as hex pairs so no built DN contains a backslash before a comma', () => {
    expect(escapeDnValue('Sam (Test*) Smith\\')).toBe('Sam (Test*) Smith\\5c');
    expect(escapeDnValue('Smith, John')).toBe('Smith\\2c John');
    expect(escapeDnValue('#1 ')).toBe('\\231\\20');
  });

  it('compares DNs by their parsed RDNs, whatever the case or escape style', () => {
    expect(
      sameDn('CN=Smith\\, John,OU=Staff,DC=school,DC=test', 'cn=smith\\2C john, ou=staff,dc=school,dc=test'),
    ).toBe(true);
    expect(
      sameDn('CN=Sam (Test*) Smith\\\\,OU=Leavers,DC=s', 'CN=Sam (Test*) Smith\\5c,OU=Leavers,DC=s'),
    ).toBe(true);
    expect(isUnder('CN=a,OU=Pupils,DC=s,DC=t', 'ou=pupils,dc=s,dc=t')).toBe(true);
    expect(isUnder('CN=a,OU=NotPupils,DC=s,DC=t', 'OU=Pupils,DC=s,DC=t')).toBe(false);
    expect(parseDn('CN=Ren\\C3\\A9e,DC=s')[0]?.value).toBe('Renée');
    expect(parentDn('CN=a\\,b,OU=Staff,DC=s')).toBe('OU=Staff,DC=s');
    expect(normalizeDn('CN=A ,DC=s')).toBe('cn=a,dc=s');
  });
});

describe('password policy attributes', () => {
  const policy = {
    minLength: 12,
    complexity: true,
    historyLength: 24,
    maxAgeDays: 0,
    minAgeDays: 1,
    lockoutThreshold: 10,
    lockoutDurationMinutes: 15,
    lockoutWindowMinutes: 5,
  };

  it('AD domain head: negative tick durations, never as the most negative value, other pwdProperties bits kept', () => {
    const changes = adDomainPolicyChanges(policy, 0b10000);
    const attrs = Object.fromEntries(changes.map((c) => [c.attribute, c.values[0]]));
    expect(attrs['pwdProperties']).toBe(String(0b10001));
    expect(attrs['maxPwdAge']).toBe(AD_NEVER.toString());
    expect(attrs['minPwdAge']).toBe('-864000000000');
    expect(attrs['lockoutDuration']).toBe('-9000000000');
    const back = adDomainPolicy({ dn: 'DC=s', ...(attrs as Record<string, string>) });
    expect(back).toEqual(policy);
    // Samba's untouched domain: 42 days max age, no lockout.
    expect(
      adDomainPolicy({ dn: 'DC=s', maxPwdAge: '-36288000000000', lockoutThreshold: '0' }).maxAgeDays,
    ).toBe(42);
  });

  it('ppolicy: durations in seconds, lockout off means threshold 0', () => {
    const back = ppolicy({ dn: 'cn=default', ...ppolicyAttributes(policy) } as never);
    expect(back).toEqual(policy);
    expect(ppolicy({ dn: 'cn=p', pwdLockout: 'FALSE', pwdMaxFailure: '5' }).lockoutThreshold).toBe(0);
  });

  it('refuses values a directory would reject or that make no sense', () => {
    expect(policyProblems(policy)).toEqual([]);
    expect(policyProblems({ ...policy, minLength: 0 })).toEqual([
      'passwordPolicy.minLength must be a whole number from 1 to 255 (got 0)',
    ]);
    expect(policyProblems({ ...policy, maxAgeDays: 30, minAgeDays: 30 })[0]).toMatch(/minAgeDays/);
    expect(policyProblems({ ...policy, lockoutWindowMinutes: 60 })[0]).toMatch(/lockoutWindowMinutes/);
  });
});

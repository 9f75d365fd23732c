/**
 * Password policy as directories store it, both ways: read into the plain `PolicyValues` the facts and
 * providers share, and written back as attributes. One mapping per place a policy lives:
 * - AD domain head (`minPwdLength`, `pwdProperties` bit 0 = complexity, durations as negative 100-ns ticks);
 * - AD fine-grained password settings objects (`msDS-PasswordSettings`, same meanings, own attribute names);
 * - OpenLDAP ppolicy entries (`pwdPolicy`: durations in seconds, lockout on/off plus a failure count).
 */
import { PASSWORD_POLICY_FIELDS, type PasswordPolicyValues } from '../facts.ts';
import type { Modification } from './client.ts';
import { bigInt, bool, int, type RawEntry, text, texts } from './values.ts';

/** The plain values the facts and providers share (devices/facts.ts holds the one field list). */
export type PolicyValues = PasswordPolicyValues;

/** The names of the policy fields that differ (for drift and diffs). */
export function policyDifferences(a: PolicyValues, b: PolicyValues): (keyof PolicyValues)[] {
  return PASSWORD_POLICY_FIELDS.filter((k) => a[k] !== b[k]);
}

export function pickPolicy(p: PolicyValues): PolicyValues {
  return Object.fromEntries(PASSWORD_POLICY_FIELDS.map((k) => [k, p[k]])) as unknown as PolicyValues;
}

/** Why a policy cannot be written, field by field (empty = fine). */
export function policyProblems(p: Partial<PolicyValues>, where = 'passwordPolicy'): string[] {
  const out: string[] = [];
  const intIn = (k: keyof PolicyValues, min: number, max: number) => {
    const v = p[k];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max)
      out.push(`${where}.${k} must be a whole number from ${min} to ${max} (got ${JSON.stringify(v)})`);
  };
  intIn('minLength', 1, 255);
  if (typeof p.complexity !== 'boolean') out.push(`${where}.complexity must be true or false`);
  intIn('historyLength', 0, 1024);
  intIn('maxAgeDays', 0, 10_000);
  intIn('minAgeDays', 0, 10_000);
  intIn('lockoutThreshold', 0, 65_535);
  intIn('lockoutDurationMinutes', 0, 100_000);
  intIn('lockoutWindowMinutes', 0, 100_000);
  if (typeof p.maxAgeDays === 'number' && typeof p.minAgeDays === 'number' && p.maxAgeDays > 0)
    if (p.minAgeDays >= p.maxAgeDays) out.push(`${where}.minAgeDays must be less than maxAgeDays`);
  if (
    typeof p.lockoutThreshold === 'number' &&
    p.lockoutThreshold > 0 &&
    typeof p.lockoutDurationMinutes === 'number' &&
    typeof p.lockoutWindowMinutes === 'number' &&
    p.lockoutDurationMinutes !== 0 &&
    p.lockoutWindowMinutes > p.lockoutDurationMinutes
  )
    out.push(`${where}.lockoutWindowMinutes must not exceed lockoutDurationMinutes (AD refuses it)`);
  return out;
}

// ---------------------------------------------------------------- AD durations

const TICKS_PER_MINUTE = 600_000_000n;
/** AD's "never" for durations: the most negative 64-bit value. */
export const AD_NEVER = -0x8000_0000_0000_0000n;

function ticksToMinutes(t: bigint | undefined): number {
  if (t === undefined || t === 0n || t <= AD_NEVER + 1n || t >= 0x7fff_ffff_ffff_ffffn) return 0;
  const abs = t < 0n ? -t : t;
  return Number(abs / TICKS_PER_MINUTE);
}

function ticksToDays(t: bigint | undefined): number {
  return Math.floor(ticksToMinutes(t) / 1440);
}

function minutesToTicks(minutes: number, zeroMeansNever: boolean): string {
  if (minutes === 0) return zeroMeansNever ? AD_NEVER.toString() : '0';
  return (-BigInt(minutes) * TICKS_PER_MINUTE).toString();
}

// ---------------------------------------------------------------- AD domain head

export const AD_DOMAIN_POLICY_ATTRS = [
  'minPwdLength',
  'pwdProperties',
  'pwdHistoryLength',
  'maxPwdAge',
  'minPwdAge',
  'lockoutThreshold',
  'lockoutDuration',
  'lockOutObservationWindow',
];

export function adDomainPolicy(e: RawEntry): PolicyValues {
  return {
    minLength: int(e, 'minPwdLength') ?? 0,
    complexity: ((int(e, 'pwdProperties') ?? 0) & 1) === 1,
    historyLength: int(e, 'pwdHistoryLength') ?? 0,
    maxAgeDays: ticksToDays(bigInt(e, 'maxPwdAge')),
    minAgeDays: ticksToDays(bigInt(e, 'minPwdAge')),
    lockoutThreshold: int(e, 'lockoutThreshold') ?? 0,
    lockoutDurationMinutes: ticksToMinutes(bigInt(e, 'lockoutDuration')),
    lockoutWindowMinutes: ticksToMinutes(bigInt(e, 'lockOutObservationWindow')),
  };
}

/** Changes to the domain head; `pwdProperties` keeps every bit other than complexity as it was. */
export function adDomainPolicyChanges(p: PolicyValues, currentPwdProperties: number): Modification[] {
  const props = p.complexity ? currentPwdProperties | 1 : currentPwdProperties & ~1;
  const rep = (attribute: string, v: string | number): Modification => ({
    op: 'replace',
    attribute,
    values: [String(v)],
  });
  return [
    rep('minPwdLength', p.minLength),
    rep('pwdProperties', props),
    rep('pwdHistoryLength', p.historyLength),
    rep('maxPwdAge', minutesToTicks(p.maxAgeDays * 1440, true)),
    rep('minPwdAge', minutesToTicks(p.minAgeDays * 1440, false)),
    rep('lockoutThreshold', p.lockoutThreshold),
    rep('lockoutDuration', minutesToTicks(p.lockoutDurationMinutes, false)),
    rep('lockOutObservationWindow', minutesToTicks(p.lockoutWindowMinutes, false)),
  ];
}

// ---------------------------------------------------------------- AD fine-grained (PSO)

export const FGPP_ATTRS = [
  'cn',
  'msDS-PasswordSettingsPrecedence',
  'msDS-MinimumPasswordLength',
  'msDS-PasswordComplexityEnabled',
  'msDS-PasswordHistoryLength',
  'msDS-MaximumPasswordAge',
  'msDS-MinimumPasswordAge',
  'msDS-LockoutThreshold',
  'msDS-LockoutDuration',
  'msDS-LockoutObservationWindow',
  'msDS-PSOAppliesTo',
];

export function fgppPolicy(e: RawEntry): PolicyValues & { precedence: number; appliesTo: string[] } {
  return {
    minLength: int(e, 'msDS-MinimumPasswordLength') ?? 0,
    complexity: bool(e, 'msDS-PasswordComplexityEnabled') ?? false,
    historyLength: int(e, 'msDS-PasswordHistoryLength') ?? 0,
    maxAgeDays: ticksToDays(bigInt(e, 'msDS-MaximumPasswordAge')),
    minAgeDays: ticksToDays(bigInt(e, 'msDS-MinimumPasswordAge')),
    lockoutThreshold: int(e, 'msDS-LockoutThreshold') ?? 0,
    lockoutDurationMinutes: ticksToMinutes(bigInt(e, 'msDS-LockoutDuration')),
    lockoutWindowMinutes: ticksToMinutes(bigInt(e, 'msDS-LockoutObservationWindow')),
    precedence: int(e, 'msDS-PasswordSettingsPrecedence') ?? 0,
    appliesTo: texts(e, 'msDS-PSOAppliesTo'),
  };
}

/** Attributes of a PSO (everything but objectClass and cn), as replace-able values. */
export function fgppAttributes(
  p: PolicyValues,
  precedence: number,
  appliesToDns: string[],
): Record<string, string[]> {
  const a: Record<string, string[]> = {
    'msDS-PasswordSettingsPrecedence': [String(precedence)],
    'msDS-PasswordReversibleEncryptionEnabled': ['FALSE'],
    'msDS-MinimumPasswordLength': [String(p.minLength)],
    'msDS-PasswordComplexityEnabled': [p.complexity ? 'TRUE' : 'FALSE'],
    'msDS-PasswordHistoryLength': [String(p.historyLength)],
    'msDS-MaximumPasswordAge': [minutesToTicks(p.maxAgeDays * 1440, true)],
    'msDS-MinimumPasswordAge': [minutesToTicks(p.minAgeDays * 1440, false)],
    'msDS-LockoutThreshold': [String(p.lockoutThreshold)],
    'msDS-LockoutDuration': [minutesToTicks(p.lockoutDurationMinutes, false)],
    'msDS-LockoutObservationWindow': [minutesToTicks(p.lockoutWindowMinutes, false)],
  };
  if (appliesToDns.length > 0) a['msDS-PSOAppliesTo'] = appliesToDns;
  return a;
}

export function psoContainer(baseDn: string): string {
  return `CN=Password Settings Container,CN=System,${baseDn}`;
}

// ---------------------------------------------------------------- OpenLDAP ppolicy

export const PPOLICY_ATTRS = [
  'cn',
  'pwdMinLength',
  'pwdCheckQuality',
  'pwdInHistory',
  'pwdMaxAge',
  'pwdMinAge',
  'pwdMaxFailure',
  'pwdLockout',
  'pwdLockoutDuration',
  'pwdFailureCountInterval',
  // A banned-password (deny-list) module: pwdCheckModule on OpenLDAP 2.4/2.5 (pwdPolicyChecker),
  // pwdUseCheckModule on 2.6 (the module itself is olcPPolicyCheckModule in cn=config).
  'pwdCheckModule',
  'pwdUseCheckModule',
];

/**
 * Whether a ppolicy entry sends new passwords through a check module (where a deny list lives), and
 * which. slapd runs the module only when pwdCheckQuality is 1 or 2.
 */
export function ppolicyCheckModule(e: RawEntry): { checked: boolean; module?: string } {
  const module = text(e, 'pwdCheckModule');
  const use = bool(e, 'pwdUseCheckModule') ?? false;
  const quality = (int(e, 'pwdCheckQuality') ?? 0) > 0;
  const out: { checked: boolean; module?: string } = { checked: quality && (use || module !== undefined) };
  if (module !== undefined) out.module = module;
  return out;
}

export function ppolicy(e: RawEntry): PolicyValues {
  const lockout = bool(e, 'pwdLockout') ?? false;
  return {
    minLength: int(e, 'pwdMinLength') ?? 0,
    // pwdCheckQuality 1 checks quality where it can, 2 refuses what it cannot check; 0 checks nothing.
    complexity: (int(e, 'pwdCheckQuality') ?? 0) > 0,
    historyLength: int(e, 'pwdInHistory') ?? 0,
    maxAgeDays: Math.floor((int(e, 'pwdMaxAge') ?? 0) / 86_400),
    minAgeDays: Math.floor((int(e, 'pwdMinAge') ?? 0) / 86_400),
    lockoutThreshold: lockout ? (int(e, 'pwdMaxFailure') ?? 0) : 0,
    lockoutDurationMinutes: Math.floor((int(e, 'pwdLockoutDuration') ?? 0) / 60),
    lockoutWindowMinutes: Math.floor((int(e, 'pwdFailureCountInterval') ?? 0) / 60),
  };
}

/** ppolicy attributes (everything but objectClass/cn/pwdAttribute). */
export function ppolicyAttributes(p: PolicyValues, currentCheckQuality?: number): Record<string, string[]> {
  // Keep a non-zero pwdCheckQuality as it is (1 or 2 both mean "checked"); set 2 when turning it on.
  const quality = p.complexity
    ? currentCheckQuality && currentCheckQuality > 0
      ? currentCheckQuality
      : 2
    : 0;
  return {
    pwdMinLength: [String(p.minLength)],
    pwdCheckQuality: [String(quality)],
    pwdInHistory: [String(p.historyLength)],
    pwdMaxAge: [String(p.maxAgeDays * 86_400)],
    pwdMinAge: [String(p.minAgeDays * 86_400)],
    pwdMaxFailure: [String(p.lockoutThreshold)],
    pwdLockout: [p.lockoutThreshold > 0 ? 'TRUE' : 'FALSE'],
    pwdLockoutDuration: [String(p.lockoutDurationMinutes * 60)],
    pwdFailureCountInterval: [String(p.lockoutWindowMinutes * 60)],
  };
}

/** Attribute map to replace modifications. */
export function replaceAll(attrs: Record<string, string[]>): Modification[] {
  return Object.entries(attrs).map(([attribute, values]) => ({ op: 'replace', attribute, values }));
}

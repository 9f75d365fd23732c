/**
 * What may reach the parts of a report outside the technician's section. Accounts are never named
 * there (pupils appear as counts or keyed pseudonyms; in the e-mailed version staff do too), and
 * machine detail is withheld: IP addresses, MAC addresses, file paths and e-mail addresses in a
 * check's sentence are replaced by a word saying what was there.
 */
import type { RunFinding } from '../checks/engine/types.ts';

const MAC = /\b[0-9a-f]{2}(?:[:-][0-9a-f]{2}){5}\b/gi;
const IPV4 = /\b(?:\d{1,3}\.){3}\d{1,3}(?:\/\d{1,2})?(?::\d{1,5})?\b/g;
// Three or more colons: times (02:00:05) have two.
const IPV6 = /(?<![\w:])(?:[0-9a-f]{0,4}:){3,7}[0-9a-f]{0,4}(?:\/\d{1,3})?(?![\w:])/gi;
const IPV6_SHORT =
  /(?<![\w:])[0-9a-f]{0,4}(?::[0-9a-f]{1,4})*::(?:[0-9a-f]{1,4}:)*[0-9a-f]{0,4}(?:\/\d{1,3})?(?![\w:])/gi;
const EMAIL = /[^\s@<>()"',;]+@[^\s@<>()"',;]+\.[a-z]{2,}/gi;
// Absolute POSIX paths of two or more segments, Windows drive paths and UNC shares.
const PATH = /(?<=^|[\s([{"'=,:])(?:\/[\w.@%+~-]+){2,}\/?|\b[a-z]:\\[^\s"'<>]*|\\\\[^\s"'<>]+/gi;

export function scrub(s: string): string {
  return s
    .replace(EMAIL, '[e-mail address]')
    .replace(MAC, '[MAC address]')
    .replace(IPV6, '[address]')
    .replace(IPV6_SHORT, '[address]')
    .replace(IPV4, '[address]')
    .replace(PATH, '[path]');
}

/** Checks whose findings name accounts or computers (whose names can carry a person's). */
const ACCOUNT_CHECKS = /^directory-(account|admin|computer)-/;

/** A finding about accounts: marked personal by its check, from an account check, or from the roster. */
export function aboutAccounts(f: Pick<RunFinding, 'personal' | 'evidence' | 'checkId'>): boolean {
  if (f.personal !== undefined || ACCOUNT_CHECKS.test(f.checkId)) return true;
  return f.evidence.some((e) => e.source === 'roster');
}

/** How the report refers to whose account it is, in counts. */
export function personalKind(f: Pick<RunFinding, 'personal'>): 'pupil' | 'staff' | 'other' {
  return f.personal ?? 'other';
}

/**
 * A finding read from the directory or the roster that is not about one account (a password policy,
 * say) can still list accounts in its sentence ("applies to a.b, c.d"), so outside the technician's
 * section only its title and short values are shown.
 */
export function fromPeopleSources(f: Pick<RunFinding, 'evidence'>): boolean {
  return f.evidence.some((e) => e.source === 'directory' || e.source === 'roster');
}

/** A short value safe to show (a number or a setting), never a name-like or address-like string. */
export function shortValue(v: string | undefined): string | undefined {
  if (v === undefined || v.length > 40 || /[@=\\/]|\w\.\w/.test(v)) return undefined;
  return scrub(v);
}

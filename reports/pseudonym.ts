/**
 * Pseudonymous ids for pupils where a report must refer to one account without naming the child:
 * `pupil-3f9a2c1d`, an HMAC-SHA-256 of the school id and the account name under the school's own
 * secret key (`reports.pseudonymKey` in the declaration, an `env:` or `file:` reference like every other
 * secret). Stable across runs while the key is, and not reversible by someone holding a class list:
 * without the key, trying every name on the list gives nothing to compare with.
 *
 * Without a key there are no pseudonyms at all: the reports show pupils as counts only.
 */
import { createHmac } from 'node:crypto';

/** At least this many bytes of key material (a 128-bit secret written as text). */
export const MIN_KEY_LENGTH = 16;

export function pupilPseudonym(key: string, schoolId: string, account: string): string {
  if (key.length < MIN_KEY_LENGTH)
    throw new Error(`the pseudonym key must be at least ${MIN_KEY_LENGTH} characters`);
  const h = createHmac('sha256', key).update(`${schoolId}\u0000${account.toLowerCase()}`).digest('hex');
  return `pupil-${h.slice(0, 8)}`;
}

/**
 * Pseudonymous ids for pupils in the head's pages and anything e-mailed: `pupil-3f9a2c`, stable for one
 * account at one school across runs (so a head can see "the same pupil account, still open") without
 * naming the child. A plain hash, no key: it hides names from a casual reader of an e-mail, not from
 * someone who already holds the directory.
 */
import { createHash } from 'node:crypto';

export function pupilPseudonym(schoolId: string, account: string): string {
  const h = createHash('sha256').update(`${schoolId}\u0000${account.toLowerCase()}`).digest('hex');
  return `pupil-${h.slice(0, 6)}`;
}

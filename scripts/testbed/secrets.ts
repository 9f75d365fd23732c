/**
 * Secrets for one testbed run: random, letters and digits only (so no config file needs quoting), always
 * with an upper-case letter, a lower-case letter and a digit (so Samba's complexity rule accepts them).
 * Written to `<runDir>/secrets/<name>` (mode 600) so a declaration can say `file:...`.
 */
import { randomInt } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

const UPPER = 'ABCDEFGHJKLMNPQRSTUVWXYZ';
const LOWER = 'abcdefghijkmnopqrstuvwxyz';
const DIGIT = '23456789';
const ALL = UPPER + LOWER + DIGIT;

export function randomSecret(length = 20): string {
  const pick = (set: string) => set[randomInt(set.length)] ?? 'x';
  const chars = [pick(UPPER), pick(LOWER), pick(DIGIT)];
  while (chars.length < Math.max(length, 8)) chars.push(pick(ALL));
  // Shuffle so the three guaranteed classes are not always first.
  for (let i = chars.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    [chars[i], chars[j]] = [chars[j] ?? 'x', chars[i] ?? 'x'];
  }
  return chars.join('');
}

export function secretPath(runDir: string, name: string): string {
  return join(runDir, 'secrets', name);
}

export async function writeSecret(runDir: string, name: string, value: string): Promise<string> {
  const dir = join(runDir, 'secrets');
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const path = secretPath(runDir, name);
  await writeFile(path, value, { mode: 0o600 });
  return path;
}

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyseSchoolText } from './load.ts';

const FILE = join(import.meta.dirname, 'schools', 'demo', 'school.yaml');
const demo = await readFile(FILE, 'utf8');

/** The demo declaration with the 802.1X canary declared (optionally changed), validated as `schoolnet validate` does. */
function problems(o: { from?: string; leaver?: string; ca?: string; accounts?: boolean } = {}) {
  const canary = `    canary: { from: ${o.from ?? 'MGMT'}, secret: file:agent-radius-secret, eap: ttls-pap, ca: ${o.ca ?? 'radius-ca.pem'}, servername: radius.school.test }\n`;
  let text = demo.replace(/( {4}secret: file:[^\n]*radius-secret\n)/, `$1${canary}`);
  if (o.accounts !== false)
    text = text.replace(
      '  staleAfterDays: 90\n',
      `  staleAfterDays: 90\n  canaries:\n    staff: { account: wifi.canary, password: file:canary-staff }\n    leaver: { account: ${o.leaver ?? 'wifi.canary.left'}, password: file:canary-leaver }\n`,
    );
  expect(text).toContain('canary: {');
  return analyseSchoolText(text, FILE).problems.map((p) => `${p.line}: ${p.pointer}: ${p.message}`);
}

describe('declaring the 802.1X leaver canary', () => {
  it('a complete declaration is valid', () => {
    expect(problems()).toEqual([]);
  });

  it('names the file line of a canary sent from an undeclared network', () => {
    expect(problems({ from: 'LIBRARY' })).toEqual([
      expect.stringMatching(
        /^\d+: \/radius\/0\/canary\/from: network "LIBRARY" is not declared under networks/,
      ),
    ]);
  });

  it('needs the two accounts, distinct', () => {
    expect(problems({ accounts: false })).toEqual([
      expect.stringMatching(/\/radius\/0\/canary: the canary needs its two accounts/),
    ]);
    expect(problems({ leaver: 'wifi.canary' })).toEqual([
      expect.stringMatching(
        /\/lifecycle\/canaries\/leaver\/account: the leaver canary must be a different account/,
      ),
    ]);
  });

  it('keeps the RADIUS CA inside the school folder or a secrets directory', () => {
    expect(problems({ ca: '/etc/ssl/certs/ca.pem' })).toEqual([
      expect.stringMatching(/\/radius\/0\/canary\/ca: the CA file must be inside the school's folder/),
    ]);
  });
});

/**
 * The deny-list attributes the directory collector reads (devices/ldap/policy.ts PPOLICY_ATTRS) are
 * the ones the real slapd's ppolicy overlay defines: asked of the testbed's slapd subschema with
 * ldapsearch (OpenLDAP's own client, not ours), and the collector's answer for the seeded policy (no
 * check module) agrees with what ldapsearch reads from the entry. The testbed's shared policy entry is
 * only read: other tests judge it at the same time.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { collectDirectoryFacts } from '../devices/ldap/collect.ts';
import { PPOLICY_ATTRS } from '../devices/ldap/policy.ts';
import { secretResolver } from '../inventory/secrets.ts';
import {
  loadDemoDirectory,
  testbedDeclaration,
  testbedDirectories,
} from '../scripts/testbed/seed-directory.ts';
import { testbedInfo } from './support/testbed.ts';

const run = promisify(execFile);
const tb = testbedInfo();
const slapd = tb.services.openldap;
if (slapd?.ca === undefined || slapd.user === undefined || slapd.password === undefined)
  throw new Error('testbed service openldap is not running with a CA and admin account');
const dirs = await testbedDirectories(tb);
const d = dirs.openldap;
if (d === undefined) throw new Error('testbed openldap directory missing');

async function ldapsearch(base: string, scope: string, attrs: string[]): Promise<string> {
  const a = d!.auditor;
  // The password from a private file (-y), never on the command line.
  const dir = await mkdtemp(join(tmpdir(), 'ppolicy-'));
  const pw = join(dir, 'pw');
  await writeFile(pw, a.password, { mode: 0o600 });
  const args = ['-LLL', '-o', 'ldif-wrap=no', '-H', a.url, '-D', a.bindDn, '-y', pw];
  try {
    const { stdout } = await run('ldapsearch', [...args, '-b', base, '-s', scope, ...attrs], {
      env: { ...process.env, LDAPTLS_CACERT: slapd!.ca!, LDAPTLS_REQCERT: 'demand' },
      timeout: 20_000,
    });
    return stdout;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe('ppolicy check module against slapd', () => {
  it('slapd defines pwdCheckModule (pwdPolicyChecker), the attribute the collector asks for', async () => {
    const schema = await ldapsearch('cn=Subschema', 'base', ['attributeTypes', 'objectClasses']);
    expect(schema).toMatch(/NAME 'pwdCheckModule'/);
    expect(schema).toMatch(/NAME 'pwdPolicyChecker'[^\n]*MAY \(?[^\n]*pwdCheckModule/);
    expect(PPOLICY_ATTRS).toContain('pwdCheckModule');
  });

  it('reports no deny list for the seeded policy, as ldapsearch reads the entry', async () => {
    const entry = await ldapsearch(d!.baseDn, 'sub', [
      '(objectClass=pwdPolicy)',
      'pwdCheckModule',
      'pwdUseCheckModule',
      'pwdCheckQuality',
    ]);
    expect(entry).not.toMatch(/pwdCheckModule:|pwdUseCheckModule: TRUE/);
    const data = await loadDemoDirectory();
    const facts = await collectDirectoryFacts(testbedDeclaration(d!, data, 'auditor', 'DIRECTORY_PASSWORD'), {
      resolveSecret: secretResolver(process.cwd(), { DIRECTORY_PASSWORD: d!.auditor.password }),
      timeoutMs: 20_000,
    });
    expect(facts.passwordPolicy.checkModule).toEqual({ checked: false });
  });
});

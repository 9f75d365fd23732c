/**
 * Audits never write. On the RouterOS side the test server records every write it receives (add, set,
 * remove, move, enable, disable, comment, unset), refused ones included: after a full audit the list is
 * empty. On the LDAP side the proof is client-side: every LDAP request our sessions put on the wire is
 * published on a diagnostics channel (devices/ldap/observe.ts: the reader classifies the bytes it
 * writes, the ldapts-based writer names each operation), and during the audit, against Samba AD and
 * against slapd, no add, modify, delete, modify-DN or extended operation other than StartTLS and
 * Who-am-I is seen, while the same channel shows the binds and searches the audit really made (so it
 * demonstrably sits on the live path).
 */
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { auditSchool } from '../checks/engine/index.ts';
import { LDAP_OPERATIONS_CHANNEL, type LdapOperationMessage } from '../devices/ldap/observe.ts';
import { loadSchool } from '../inventory/load.ts';
import { bindToTestbed, SCHOOLS_DIR, startSchoolRouter, testbedInfo } from './support/bind-testbed.ts';

const WRITES = ['add', 'modify', 'delete', 'modifyDN', 'extended', 'unknown'] as const;
/** StartTLS and Who-am-I; anything else (password modify 1.3.6.1.4.1.4203.1.11.1, ...) counts as a write. */
const READ_ONLY_EXOPS = new Set(['1.3.6.1.4.1.1466.20037', '1.3.6.1.4.1.4203.1.11.3']);

describe('audits are read-only', () => {
  const calls = new Map<string, number>();
  const count = (m: unknown) => {
    const { operation, oid } = m as LdapOperationMessage;
    // Extended operations that only read or secure the session are not writes.
    const name =
      operation === 'extended' && oid !== undefined && READ_ONLY_EXOPS.has(oid) ? 'startTls' : operation;
    calls.set(name, (calls.get(name) ?? 0) + 1);
  };

  beforeEach(() => {
    calls.clear();
    subscribe(LDAP_OPERATIONS_CHANNEL, count);
  });
  afterEach(() => {
    unsubscribe(LDAP_OPERATIONS_CHANNEL, count);
  });

  // The demo school's directory is Samba AD; Scissett Middle's is OpenLDAP (slapd).
  it.each([
    ['demo', 'demo', 'Samba AD'],
    ['scissett-middle', 'bad', 'slapd'],
  ])('auditing %s (router fixture %s) writes nothing to the router or to %s', async (school, fixture) => {
    const { server, endpoint } = await startSchoolRouter(fixture);
    try {
      const bound = await bindToTestbed(
        await loadSchool(join(SCHOOLS_DIR, school, 'school.yaml')),
        testbedInfo(),
        {
          routers: endpoint,
        },
      );
      const run = await auditSchool(bound.loaded, { env: bound.env });
      expect(run.devices.find((d) => d.kind === 'directory')?.ok).toBe(true);
      expect(run.devices.find((d) => d.kind === 'router')?.ok).toBe(true);
      expect(calls.get('bind') ?? 0).toBeGreaterThan(0);
      expect(calls.get('search') ?? 0).toBeGreaterThan(0);
      for (const op of WRITES) expect(calls.get(op) ?? 0, `LDAP ${op} calls`).toBe(0);
      expect(server.logins.some((l) => l.ok)).toBe(true);
      expect(server.writes).toEqual([]);
    } finally {
      await server.close();
    }
  });
});

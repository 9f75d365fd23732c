/**
 * Audits never write. On the RouterOS side the test server records every write it receives (add, set,
 * remove, move, enable, disable, comment, unset), refused ones included: after a full audit the list is
 * empty. On the LDAP side the proof is client-side: every ldapts operation that can change a directory
 * (add, modify, del, modifyDN, and any extended operation but StartTLS and Who-am-I, such as password
 * modify) is wrapped to count its calls during the
 * audit, against Samba AD and against slapd; the count stays zero while the same wrapper counts the
 * searches the audit really made (so it demonstrably sits on the live path).
 */
import { join } from 'node:path';
import { Client } from 'ldapts';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { auditSchool } from '../checks/engine/index.ts';
import { loadSchool } from '../inventory/load.ts';
import { bindToTestbed, SCHOOLS_DIR, startSchoolRouter, testbedInfo } from './support/bind-testbed.ts';

const WRITES = ['add', 'modify', 'del', 'modifyDN', 'exop'] as const;
/** StartTLS and Who-am-I; anything else (password modify 1.3.6.1.4.1.4203.1.11.1, ...) counts as a write. */
const READ_ONLY_EXOPS = new Set(['1.3.6.1.4.1.1466.20037', '1.3.6.1.4.1.4203.1.11.3']);
const READS = ['bind', 'search', 'searchPaginated'] as const;
type Counted = (typeof WRITES)[number] | (typeof READS)[number];

describe('audits are read-only', () => {
  const calls = new Map<Counted, number>();
  const originals = new Map<Counted, unknown>();

  beforeEach(() => {
    calls.clear();
    const proto = Client.prototype as unknown as Record<Counted, (...a: unknown[]) => unknown>;
    for (const name of [...WRITES, ...READS]) {
      const original = proto[name];
      originals.set(name, original);
      proto[name] = function (this: unknown, ...args: unknown[]) {
        // Extended operations that only read or secure the session are not writes.
        if (name === 'exop' && READ_ONLY_EXOPS.has(String(args[0]))) return original.apply(this, args);
        calls.set(name, (calls.get(name) ?? 0) + 1);
        return original.apply(this, args);
      };
    }
  });
  afterEach(() => {
    const proto = Client.prototype as unknown as Record<Counted, unknown>;
    for (const [name, fn] of originals) proto[name] = fn;
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
      expect((calls.get('search') ?? 0) + (calls.get('searchPaginated') ?? 0)).toBeGreaterThan(0);
      for (const op of WRITES) expect(calls.get(op) ?? 0, `LDAP ${op} calls`).toBe(0);
      expect(server.logins.some((l) => l.ok)).toBe(true);
      expect(server.writes).toEqual([]);
    } finally {
      await server.close();
    }
  });
});

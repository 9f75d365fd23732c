/**
 * What the directory provider tests share against the testbed's Samba AD DC and slapd: the providers'
 * connection as the directory's administrator, and an OU tree of the run's own (Staff, Pupils,
 * Leavers under a root named for this run), made before and removed whole after, so that no test
 * touches the demo school's OUs that other tests read.
 */
import type { DirectoryWriter } from '../../devices/ldap/client.ts';
import { childDn } from '../../devices/ldap/dn.ts';
import type { TestbedDirectory } from '../../scripts/testbed/seed-directory.ts';
import type { DirectoryConnectionInputs } from '../../stacks/providers/directory-connection.ts';

/** The providers' connection as the testbed directory's administrator (LDAPS, its CA as PEM). */
export function adminConnection(d: TestbedDirectory): DirectoryConnectionInputs {
  return {
    kind: d.kind,
    url: d.admin.url,
    ca: d.admin.ca as string,
    ...(d.servername ? { servername: d.servername } : {}),
    bindDn: d.admin.bindDn,
    password: d.admin.password,
    baseDn: d.baseDn,
  };
}

export interface ScratchTree {
  root: string;
  ous: { staff: string; pupils: string; leavers: string };
}

/** The DNs of a tree named `name` under the directory's base (`OU=` on AD, `ou=` on slapd). */
export function scratchTree(d: TestbedDirectory, name: string): ScratchTree {
  const ouType = d.kind === 'ad' ? 'OU' : 'ou';
  const root = childDn(ouType, name, d.baseDn);
  return {
    root,
    ous: {
      staff: childDn(ouType, 'Staff', root),
      pupils: childDn(ouType, 'Pupils', root),
      leavers: childDn(ouType, 'Leavers', root),
    },
  };
}

/** Adds the tree's root and its OUs. */
export async function addTree(w: DirectoryWriter, t: ScratchTree): Promise<void> {
  await w.add(t.root, { objectClass: ['organizationalUnit'] });
  for (const ou of Object.values(t.ous)) await w.add(ou, { objectClass: ['organizationalUnit'] });
}

/** Removes everything under `root` and `root` itself, deepest first. */
export async function removeTree(w: DirectoryWriter, root: string): Promise<void> {
  const all = await w.search({ base: root, attributes: ['1.1'] });
  for (const e of all.sort((a, b) => b.dn.length - a.dn.length)) await w.remove(e.dn);
}

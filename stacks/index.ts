/**
 * The Pulumi program: one stack per school (`Pulumi.<school>.yaml`). It reads the stack's config,
 * loads and validates the school's declaration, plans every router, resolves every secret the plan
 * needs, and only then declares the `SchoolNetwork`: an invalid declaration, a plan that cannot be
 * built or a missing secret stops the run before any resource exists.
 *
 * Config (namespace `schoolnet`):
 *   declaration     path of the school's school.yaml (relative to the project folder)
 *   routerUser      RouterOS user with write access (default: the declaration's credentials.user)
 *   routerPassword  its password, a secret (default: the declaration's credentials.password reference)
 *   secrets         optional secret object: values for the declaration's `env:`/`file:` references,
 *                   keyed by reference, for machines where those variables or files do not exist
 *   directoryBindDn directory account with write access (default: the declaration's bind.dn)
 *   directoryPassword  its password, a secret (default: the declaration's bind.password reference)
 *   directoryCa     the directory's CA as PEM text, where the declared tls.ca file is not present
 *
 * With a `directory`, the program also declares the `SchoolDirectory` (password policies and, with a
 * `lifecycle`, one account per roster person, leavers decided by today's date at the school); a roster
 * with any bad row stops the run before any resource exists.
 *
 * Runs compiled (`main: dist/stacks/index.js` in Pulumi.yaml), never through ts-node.
 */
import * as pulumi from '@pulumi/pulumi';
import { isAbsolute, resolve } from 'node:path';
import { loadSchool } from '../inventory/load.ts';
import { resolveSecret } from '../inventory/secrets.ts';
import { SchoolDirectory } from './components/school-directory.component.ts';
import { SchoolNetwork } from './components/school-network.component.ts';
import { directoryAccess } from './directory-access.ts';
import type { RouterAccess } from './components/router.component.ts';
import { planRouter, routerDevices } from '../intent/router.ts';

// Not exported: the SDK refuses an entry module with a default export AND named exports ("expected
// entrypoint module to have either a default export or named exports but not both", found by the real
// engine in test/pulumi-engine.test.ts).
class StackConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StackConfigError';
  }
}

export default async function main(): Promise<Record<string, unknown>> {
  const config = new pulumi.Config('schoolnet');
  const file = config.require('declaration');
  // Relative to the project folder (where Pulumi.yaml is): the engine runs the program in the folder of
  // `main` (dist/stacks), so the working directory is not it; outside the engine (mocks) it is, and the
  // SDK's mocks report a placeholder root ("rootDirectory"), which is not a folder: only an absolute root counts.
  const given0 = pulumi.runtime.getRootDirectory();
  const root = given0 && isAbsolute(given0) ? given0 : process.cwd();
  const school = await loadSchool(isAbsolute(file) ? file : resolve(root, file));
  const { decl, dir } = school;

  const devices = routerDevices(decl);
  if (devices.length === 0)
    throw new StackConfigError(`${school.file}: the school declares no RouterOS router; nothing to apply`);
  const plans = devices.map((d) => planRouter(decl, d));

  const given = config.getObject<Record<string, string>>('secrets') ?? {};
  const problems: string[] = [];
  const resolveRef = async (ref: string, field: string): Promise<pulumi.Output<string> | undefined> => {
    if (given[ref] !== undefined) return pulumi.secret(given[ref]);
    try {
      return pulumi.secret(await resolveSecret(ref, dir));
    } catch (e) {
      problems.push(
        `${field} (${ref}): ${(e as Error).message}; set it, or run \`pulumi config set --secret --path 'schoolnet:secrets["${ref}"]' ...\``,
      );
      return undefined;
    }
  };

  const secrets: Record<string, pulumi.Output<string>> = {};
  for (const need of plans.flatMap((p) => p.secrets)) {
    if (secrets[need.ref]) continue;
    const v = await resolveRef(need.ref, need.field);
    if (v) secrets[need.ref] = v;
  }

  const routers: Record<string, RouterAccess> = {};
  for (const d of devices) {
    const user = config.get('routerUser') ?? d.credentials?.user;
    if (!user)
      problems.push(`router ${d.name}: no user: run \`pulumi config set schoolnet:routerUser <user>\``);
    // The hardening removes the default admin user: never log in as it.
    if (user === 'admin')
      problems.push(
        `router ${d.name}: schoolnet removes the default admin user, so it cannot log in as admin; create a dedicated user`,
      );
    let password: pulumi.Output<string> | undefined;
    if (config.get('routerPassword') !== undefined) password = config.requireSecret('routerPassword');
    // The declaration's password belongs to the declaration's user only.
    else if (config.get('routerUser') === undefined && d.credentials?.password)
      password = await resolveRef(d.credentials.password, `devices[${d.name}].credentials.password`);
    else
      problems.push(
        `router ${d.name}: no password for ${user}: run \`pulumi config set --secret schoolnet:routerPassword <password>\``,
      );
    if (user && password) routers[d.name] = { user, password };
  }
  const directory = await directoryAccess(config, school, resolveRef, problems, new Date());
  const canaries = decl.lifecycle?.canaries;
  const canaryPasswords =
    canaries && directory
      ? {
          staff: await resolveRef(canaries.staff.password, 'lifecycle.canaries.staff.password'),
          leaver: await resolveRef(canaries.leaver.password, 'lifecycle.canaries.leaver.password'),
        }
      : undefined;
  if (problems.length > 0)
    throw new StackConfigError(`${school.file}: cannot apply:\n  ${problems.join('\n  ')}`);

  const network = new SchoolNetwork(decl.school.id, {
    declaration: decl,
    declarationDir: dir,
    routers,
    secrets,
  });
  const schoolDirectory = directory
    ? new SchoolDirectory(`${decl.school.id}-directory`, {
        declaration: decl,
        connection: directory.connection,
        asOf: directory.asOf,
        ...(directory.people ? { people: directory.people } : {}),
        ...(directory.rosterFile ? { rosterFile: directory.rosterFile } : {}),
        ...(canaryPasswords?.staff && canaryPasswords.leaver
          ? { canaryPasswords: { staff: canaryPasswords.staff, leaver: canaryPasswords.leaver } }
          : {}),
      })
    : undefined;
  return {
    school: decl.school.id,
    ...(schoolDirectory && directory
      ? {
          directory: {
            // Who writes to the directory: shown as a secret, like the password it goes with.
            bindDn: pulumi.secret(directory.bindDn),
            asOf: directory.asOf,
            managed: schoolDirectory.managed,
          },
        }
      : {}),
    routers: Object.fromEntries(
      Object.entries(network.routers).map(([k, v]) => [
        k,
        { managed: v.managed, unmanagedRules: v.unmanagedRules },
      ]),
    ),
  };
}

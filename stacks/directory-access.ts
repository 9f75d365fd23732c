/**
 * What the stack program needs before it may declare a school's directory: a writing bind account
 * (stack config, the password a Pulumi secret), the directory's CA, and a roster the plan can use.
 * Every problem is collected, not thrown, so the program reports them all and declares nothing.
 */
import * as pulumi from '@pulumi/pulumi';
import { readFile } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import type { RosterPerson } from '../inventory/facts.ts';
import { rosterFacts } from '../inventory/roster.ts';
import type { LoadedSchool } from '../inventory/types.ts';
import { planAccounts, policyProblems, schoolDate } from '../intent/directory.ts';
import type { DirectoryConnectionInputs } from './providers/directory-connection.ts';

export interface DirectoryAccess {
  /** The connection, a Pulumi secret. */
  connection: pulumi.Output<DirectoryConnectionInputs>;
  bindDn: string;
  people?: RosterPerson[];
  rosterFile?: string;
  asOf: string;
}

/**
 * Config (namespace `schoolnet`): `directoryBindDn` (default: the declaration's bind.dn),
 * `directoryPassword` (secret; default: the declaration's bind.password reference, only for the
 * declaration's own bind DN), `directoryCa` (PEM text, for a machine without the declared CA file).
 */
export async function directoryAccess(
  config: pulumi.Config,
  school: LoadedSchool,
  resolveRef: (ref: string, field: string) => Promise<pulumi.Output<string> | undefined>,
  problems: string[],
  now: Date,
): Promise<DirectoryAccess | undefined> {
  const { decl, dir: base } = school;
  const dir = decl.directory;
  if (!dir) return undefined;
  const before = problems.length;
  problems.push(...policyProblems(dir));

  const bindDn = config.get('directoryBindDn') ?? dir.bind.dn;
  let password: pulumi.Output<string> | undefined;
  if (config.get('directoryPassword') !== undefined) password = config.requireSecret('directoryPassword');
  // The declaration's password belongs to the declaration's bind DN only.
  else if (config.get('directoryBindDn') === undefined)
    password = await resolveRef(dir.bind.password, 'directory.bind.password');
  else
    problems.push(
      `directory: no password for ${bindDn}: run \`pulumi config set --secret schoolnet:directoryPassword <password>\``,
    );

  let ca = config.get('directoryCa');
  if (ca === undefined && dir.tls?.ca) {
    const file = isAbsolute(dir.tls.ca) ? dir.tls.ca : resolve(base, dir.tls.ca);
    try {
      ca = await readFile(file, 'utf8');
    } catch (e) {
      problems.push(
        `directory.tls.ca: cannot read ${file} (${(e as NodeJS.ErrnoException).code ?? e}); put the directory's CA certificate there, or run \`pulumi config set schoolnet:directoryCa -- "$(cat ca.pem)"\``,
      );
    }
  }

  const asOf = schoolDate(decl, now);
  let people: RosterPerson[] | undefined;
  let rosterFile: string | undefined;
  if (decl.lifecycle) {
    try {
      const roster = await rosterFacts(school);
      rosterFile = roster.file;
      const plan = planAccounts(decl, roster.people, asOf, roster.file);
      problems.push(...plan.problems);
      for (const w of plan.skipped) void pulumi.log.warn(w);
      people = roster.people;
    } catch (e) {
      problems.push(`lifecycle.roster: ${(e as Error).message.replace(/\n/g, '\n    ')}`);
    }
  }
  if (problems.length > before || !password) return undefined;

  const connection = pulumi.secret(
    password.apply((pw): DirectoryConnectionInputs => ({
      kind: dir.kind,
      url: dir.url,
      ...(dir.startTls ? { startTls: true } : {}),
      ...(ca !== undefined ? { ca } : {}),
      ...(dir.tls?.servername ? { servername: dir.tls.servername } : {}),
      bindDn,
      password: pw,
      baseDn: dir.baseDn,
    })),
  );
  return {
    connection,
    bindDn,
    asOf,
    ...(people ? { people } : {}),
    ...(rosterFile ? { rosterFile } : {}),
  };
}

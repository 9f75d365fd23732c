/**
 * A school's directory as code: its default password policy (the AD domain policy or the OpenLDAP
 * ppolicy default) and each fine-grained policy, and, where the school declares a lifecycle, one
 * account per roster person (leavers disabled and moved, joiners created). Planned by
 * intent/directory.ts; the stack program (stacks/index.ts) has already refused a roster the plan
 * cannot use, so this only declares.
 */
import * as pulumi from '@pulumi/pulumi';
import type { RosterPerson } from '../../inventory/facts.ts';
import type { SchoolDeclaration } from '../../inventory/types.ts';
import { planAccounts, planPolicies } from '../../intent/directory.ts';
import { PlanError } from '../../intent/types.ts';
import { DirectoryAccountLifecycle } from '../providers/directory-account-lifecycle.ts';
import type { DirectoryConnectionInputs } from '../providers/directory-connection.ts';
import { DirectoryPasswordPolicy } from '../providers/directory-password-policy.ts';

export interface SchoolDirectoryArgs {
  /** The validated school declaration (with a `directory`). Plain data: the resources depend on it. */
  readonly declaration: SchoolDeclaration;
  /** How to reach the directory with a writing account; a Pulumi secret (it holds the password). */
  readonly connection: pulumi.Input<DirectoryConnectionInputs>;
  /** The roster's people (`rosterFacts`), when the school declares a lifecycle. Plain data. */
  readonly people?: readonly RosterPerson[];
  /** The roster file as declared, for messages. */
  readonly rosterFile?: string;
  /** The run's date (yyyy-mm-dd, the school's calendar): leaving dates on or before it are leavers. */
  readonly asOf: string;
  /** The 802.1X canaries' passwords (lifecycle.canaries), resolved from their references; secrets. */
  readonly canaryPasswords?: { staff: pulumi.Input<string>; leaver: pulumi.Input<string> };
}

export class SchoolDirectory extends pulumi.ComponentResource {
  /** How many policies and accounts this stack manages, and how many of the accounts are leavers. */
  readonly managed: { policies: number; accounts: number; leavers: number };

  constructor(name: string, args: SchoolDirectoryArgs, opts?: pulumi.ComponentResourceOptions) {
    super('schoolnet:directory:SchoolDirectory', name, {}, opts);
    const decl = args.declaration;
    const dir = decl.directory;
    if (!dir) throw new PlanError(`school ${decl.school.id} declares no directory`);
    // The connection carries the bind password: secret wherever it goes.
    const connection = pulumi.secret(args.connection);

    const policies = planPolicies(dir);
    for (const p of policies)
      new DirectoryPasswordPolicy(
        `${name}-${p.role}`,
        {
          connection,
          target: p.target,
          policy: p.policy,
          ...(p.name !== undefined ? { name: p.name } : {}),
          ...(p.dn !== undefined ? { dn: p.dn } : {}),
          ...(p.precedence !== undefined ? { precedence: p.precedence } : {}),
          ...(p.appliesTo !== undefined ? { appliesTo: p.appliesTo } : {}),
        },
        { parent: this },
      );

    const { accounts, problems } =
      decl.lifecycle && args.people
        ? planAccounts(decl, args.people, args.asOf, args.rosterFile ?? decl.lifecycle.roster.file)
        : { accounts: [], problems: [] };
    // Rows without an id were warned about by the program; they are not managed here.
    if (problems.length > 0) throw new PlanError(`the roster cannot be applied:\n  ${problems.join('\n  ')}`);
    for (const a of accounts) {
      const { resource, line: _line, ...inputs } = a;
      new DirectoryAccountLifecycle(`${name}-${resource}`, { connection, ...inputs }, { parent: this });
    }

    // The 802.1X canaries: one enabled in the staff OU, one kept disabled in the leavers OU, both with
    // the password only the agent holds (devices/probes/radius-canary.ts signs in with them).
    const canaries = decl.lifecycle?.canaries;
    if (canaries && args.canaryPasswords)
      for (const kind of ['staff', 'leaver'] as const)
        new DirectoryAccountLifecycle(
          `${name}-canary-${kind}`,
          {
            connection,
            ous: { staff: dir.ous.staff, pupils: dir.ous.pupils, leavers: dir.ous.leavers },
            username: canaries[kind].account,
            givenName: 'Wi-Fi canary',
            surname: kind === 'staff' ? 'Staff' : 'Leaver',
            role: 'staff',
            leaver: kind === 'leaver',
            requireAup: false,
            leaverAction: 'disable-and-move',
            canaryPassword: pulumi.secret(args.canaryPasswords[kind]),
          },
          { parent: this },
        );

    this.managed = {
      policies: policies.length,
      accounts: accounts.length,
      leavers: accounts.filter((a) => a.leaver).length,
    };
    this.registerOutputs({ kind: dir.kind, url: dir.url, asOf: args.asOf, managed: this.managed });
  }
}

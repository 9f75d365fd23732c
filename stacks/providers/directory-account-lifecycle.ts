/**
 * One roster person's directory account as a Pulumi dynamic resource: leavers disabled (and moved to
 * the leavers OU), joiners created in their role's OU and group, disabled until the acceptable-use date
 * is recorded where the school requires it, and never deleted unless `deleteAccounts` is set (see
 * directory-account-ops.ts).
 *
 * Self-contained methods that load the implementation by its path in the project, as in
 * directory-password-policy.ts; the connection output (it holds the password) is marked secret.
 */
import * as pulumi from '@pulumi/pulumi';
import type * as Ops from './directory-account-ops.ts';
import { implementationPath, loadImplementation } from './implementation-path.ts';

const OPS = implementationPath(import.meta.url, 'directory-account-ops');

export const directoryAccountLifecycleProvider: pulumi.dynamic.ResourceProvider<
  Ops.AccountLifecycleInputs,
  Ops.AccountLifecycleOutputs
> = {
  async check(_olds, news) {
    const ops = loadImplementation<typeof Ops>(OPS);
    return ops.checkAccount(news);
  },
  async diff(_id, olds, news) {
    const ops = loadImplementation<typeof Ops>(OPS);
    return ops.diffAccount(olds, news);
  },
  async create(inputs) {
    const ops = loadImplementation<typeof Ops>(OPS);
    return ops.createAccount(inputs);
  },
  async read(id, props) {
    const ops = loadImplementation<typeof Ops>(OPS);
    if (!props) throw new Error(`cannot read ${id} without its recorded state`);
    return ops.readAccount(id, props);
  },
  async update(_id, olds, news) {
    const ops = loadImplementation<typeof Ops>(OPS);
    return ops.updateAccount(olds, news);
  },
  async delete(_id, props) {
    const ops = loadImplementation<typeof Ops>(OPS);
    await ops.deleteAccount(props);
  },
};

type In<K extends keyof Ops.AccountLifecycleInputs> = pulumi.Input<Ops.AccountLifecycleInputs[K]>;

export interface DirectoryAccountLifecycleArgs {
  /** How to reach the directory with a writing account; pass it through `pulumi.secret`. */
  readonly connection: In<'connection'>;
  /** The declared staff, pupils and leavers OUs. */
  readonly ous: In<'ous'>;
  /** sAMAccountName (AD) or uid (OpenLDAP). */
  readonly username: In<'username'>;
  readonly givenName: In<'givenName'>;
  readonly surname: In<'surname'>;
  readonly displayName?: In<'displayName'>;
  readonly mail?: In<'mail'>;
  /** The MIS id, written to `idAttribute` when the account is created or adopted. */
  readonly misId?: In<'misId'>;
  /** The directory attribute holding the MIS id (employeeID / employeeNumber by default). */
  readonly idAttribute?: In<'idAttribute'>;
  readonly role: In<'role'>;
  /** The declared role group (directory.roleGroups). */
  readonly roleGroup?: In<'roleGroup'>;
  /** The roster's leaving date is on or before today. */
  readonly leaver: In<'leaver'>;
  /** The roster's acceptable-use agreement date (ISO), when recorded. */
  readonly aupSigned?: In<'aupSigned'>;
  /** lifecycle.requireAup. */
  readonly requireAup: In<'requireAup'>;
  /** lifecycle.leavers.action. */
  readonly leaverAction: In<'leaverAction'>;
  /** Delete the account when the resource is deleted (default: only forget it). */
  readonly deleteAccounts?: In<'deleteAccounts'>;
  /** An 802.1X canary's known password (lifecycle.canaries); pass it through `pulumi.secret`. */
  readonly canaryPassword?: In<'canaryPassword'>;
}

export class DirectoryAccountLifecycle extends pulumi.dynamic.Resource {
  declare readonly exists: pulumi.Output<boolean>;
  declare readonly dn: pulumi.Output<string>;
  declare readonly enabled: pulumi.Output<boolean>;
  declare readonly ou: pulumi.Output<string>;
  declare readonly inRoleGroup: pulumi.Output<boolean>;
  declare readonly created: pulumi.Output<boolean>;
  declare readonly passwordSet: pulumi.Output<boolean>;

  constructor(name: string, args: DirectoryAccountLifecycleArgs, opts: pulumi.CustomResourceOptions = {}) {
    super(
      directoryAccountLifecycleProvider,
      name,
      {
        ...args,
        exists: undefined,
        dn: undefined,
        enabled: undefined,
        ou: undefined,
        inRoleGroup: undefined,
        created: undefined,
        passwordSet: undefined,
      },
      {
        ...opts,
        additionalSecretOutputs: ['connection', 'canaryPassword', ...(opts.additionalSecretOutputs ?? [])],
      },
      'schoolnet',
      'DirectoryAccountLifecycle',
    );
  }
}

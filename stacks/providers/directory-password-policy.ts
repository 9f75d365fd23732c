/**
 * The directory password policy as a Pulumi dynamic resource: the AD domain policy, an AD fine-grained
 * policy, or an OpenLDAP pwdPolicy entry (see directory-policy-ops.ts for what each method does).
 *
 * The provider object is serialized into the Pulumi state and run by the engine's provider host, so each
 * method is self-contained: it loads the implementation by its path in the project (`.ts` from the
 * sources, `.js` from dist/) from the project folder found above the provider host's working directory
 * (implementation-path.ts says why), never through a module the closure would capture.
 * Dynamic providers receive secrets in plain text: the connection output (it holds the password) is
 * marked secret.
 */
import * as pulumi from '@pulumi/pulumi';
import type * as Ops from './directory-policy-ops.ts';
import { implementationPath, loadImplementation } from './implementation-path.ts';

const OPS = implementationPath(import.meta.url, 'directory-policy-ops');

export const directoryPasswordPolicyProvider: pulumi.dynamic.ResourceProvider<
  Ops.PasswordPolicyInputs,
  Ops.PasswordPolicyOutputs
> = {
  async check(_olds, news) {
    const ops = loadImplementation<typeof Ops>(OPS);
    return ops.checkPolicy(news);
  },
  async diff(_id, olds, news) {
    const ops = loadImplementation<typeof Ops>(OPS);
    return ops.diffPolicy(olds, news);
  },
  async create(inputs) {
    const ops = loadImplementation<typeof Ops>(OPS);
    return ops.createPolicy(inputs);
  },
  async read(id, props) {
    const ops = loadImplementation<typeof Ops>(OPS);
    if (!props) throw new Error(`cannot read ${id} without its recorded state`);
    return ops.readPolicy(id, props);
  },
  async update(_id, olds, news) {
    const ops = loadImplementation<typeof Ops>(OPS);
    return ops.updatePolicy(olds, news);
  },
  async delete(_id, props) {
    const ops = loadImplementation<typeof Ops>(OPS);
    await ops.deletePolicy(props);
  },
};

export interface DirectoryPasswordPolicyArgs {
  /** How to reach the directory with a writing account; pass it through `pulumi.secret`. */
  readonly connection: pulumi.Input<Ops.PasswordPolicyInputs['connection']>;
  /** ad-domain | ad-fgpp | ppolicy. */
  readonly target: pulumi.Input<Ops.PolicyTarget>;
  /** ad-fgpp: the policy's name. */
  readonly name?: pulumi.Input<string>;
  /** ppolicy: the pwdPolicy entry's DN (e.g. `cn=default,ou=policies,dc=school,dc=test`). */
  readonly dn?: pulumi.Input<string>;
  /** ad-fgpp: precedence, lower wins. */
  readonly precedence?: pulumi.Input<number>;
  /** ad-fgpp: group CNs or DNs. */
  readonly appliesTo?: pulumi.Input<pulumi.Input<string>[]>;
  /** The values, from the declaration's passwordPolicy or fineGrainedPolicies. */
  readonly policy: pulumi.Input<Ops.PasswordPolicyInputs['policy']>;
}

export class DirectoryPasswordPolicy extends pulumi.dynamic.Resource {
  declare readonly policy: pulumi.Output<Ops.PasswordPolicyInputs['policy']>;
  declare readonly entryDn: pulumi.Output<string>;
  declare readonly created: pulumi.Output<boolean>;

  constructor(name: string, args: DirectoryPasswordPolicyArgs, opts: pulumi.CustomResourceOptions = {}) {
    super(
      directoryPasswordPolicyProvider,
      name,
      { ...args, entryDn: undefined, created: undefined },
      { ...opts, additionalSecretOutputs: ['connection', ...(opts.additionalSecretOutputs ?? [])] },
      'schoolnet',
      'DirectoryPasswordPolicy',
    );
  }
}

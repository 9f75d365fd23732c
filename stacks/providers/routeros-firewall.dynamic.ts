/**
 * The ordered set of schoolnet's `/ip/firewall/filter` rules on one router, as one Pulumi dynamic
 * resource: every managed rule carries `schoolnet:<id>` in its comment and sits, in the compiled order,
 * above every other rule. Rules without the tag are reported in `unmanaged` and never touched.
 * Self-contained methods, as in routeros-object.dynamic.ts.
 */
import * as pulumi from '@pulumi/pulumi';
import type { DesiredFilterRule } from '../../intent/types.ts';
import type * as Ops from './routeros-ops.ts';
import { implementationPath, loadImplementation } from './implementation-path.ts';

const OPS = implementationPath(import.meta.url, 'routeros-ops');

export const routerOsFirewallProvider: pulumi.dynamic.ResourceProvider<
  Ops.FirewallInputs,
  Ops.FirewallOutputs
> = {
  async check(_olds, news) {
    const ops = loadImplementation<typeof Ops>(OPS);
    return ops.checkFirewall(news);
  },
  async diff(_id, olds, news) {
    const ops = loadImplementation<typeof Ops>(OPS);
    return ops.diffFirewall(olds, news);
  },
  async create(inputs) {
    const ops = loadImplementation<typeof Ops>(OPS);
    return ops.createFirewall(inputs);
  },
  async read(id, props) {
    const ops = loadImplementation<typeof Ops>(OPS);
    if (!props) throw new Error(`cannot read ${id} without its recorded state`);
    return ops.readFirewall(id, props);
  },
  async update(_id, _olds, news) {
    const ops = loadImplementation<typeof Ops>(OPS);
    return ops.updateFirewall(news);
  },
  async delete(_id, props) {
    const ops = loadImplementation<typeof Ops>(OPS);
    await ops.deleteFirewall(props);
  },
};

export interface RouterOsFirewallRulesArgs {
  /** How to reach the router; pass it through `pulumi.secret` (it holds the password). */
  readonly connection: pulumi.Input<Ops.RouterConnection>;
  /** The compiled rules, in the order the router must evaluate them. */
  readonly rules: pulumi.Input<DesiredFilterRule[]>;
  /** Policies the login's group needs for the whole plan, checked before the rules are written. */
  readonly requires?: pulumi.Input<string[]>;
  /** What the whole plan takes the router to have, checked before the rules are written. */
  readonly assumes?: pulumi.Input<string[]>;
}

export class RouterOsFirewallRules extends pulumi.dynamic.Resource {
  declare readonly rules: pulumi.Output<DesiredFilterRule[]>;
  /** Rules on the router that schoolnet did not write (reported, never removed). */
  declare readonly unmanaged: pulumi.Output<Ops.UnmanagedRule[]>;

  constructor(name: string, args: RouterOsFirewallRulesArgs, opts: pulumi.CustomResourceOptions = {}) {
    super(
      routerOsFirewallProvider,
      name,
      { ...args, unmanaged: undefined },
      { ...opts, additionalSecretOutputs: ['connection', ...(opts.additionalSecretOutputs ?? [])] },
      'routeros',
      'FirewallRules',
    );
  }
}

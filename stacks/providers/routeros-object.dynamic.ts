/**
 * One RouterOS menu object (a VLAN interface, a DHCP network, an SSID, `/ip/service telnet`...) as a
 * Pulumi dynamic resource: one generic provider, parameterised by menu, key properties, desired
 * properties and mode (see intent/types.ts).
 *
 * The provider object is serialized into the Pulumi state and run by the engine's provider host, so
 * each method is self-contained: it loads the implementation (routeros-ops) with `require`, which neither
 * vitest nor a bundler rewrites, by its path in the project (`.ts` from the sources, `.js` from dist/)
 * from the project folder found above the provider host's working directory (implementation-path.ts
 * says why: nothing of this checkout's place goes into the state). Dynamic providers get secrets in plain text: the connection (and the
 * properties, when they hold a secret) are marked secret outputs.
 */
import * as pulumi from '@pulumi/pulumi';
import type { ObjectMode } from '../../intent/types.ts';
import type * as Ops from './routeros-ops.ts';
import { implementationPath, loadImplementation } from './implementation-path.ts';

/** The implementation, by its path from the project folder: nothing of this checkout's place goes into the state. */
const OPS = implementationPath(import.meta.url, 'routeros-ops');

export const routerOsObjectProvider: pulumi.dynamic.ResourceProvider<
  Ops.MenuObjectInputs,
  Ops.MenuObjectOutputs
> = {
  async check(_olds, news) {
    const ops = loadImplementation<typeof Ops>(OPS);
    return ops.checkObject(news);
  },
  async diff(_id, olds, news) {
    const ops = loadImplementation<typeof Ops>(OPS);
    return ops.diffObject(olds, news);
  },
  async create(inputs) {
    const ops = loadImplementation<typeof Ops>(OPS);
    return ops.createObject(inputs);
  },
  async read(id, props) {
    const ops = loadImplementation<typeof Ops>(OPS);
    if (!props) throw new Error(`cannot read ${id} without its recorded state`);
    return ops.readObject(id, props);
  },
  async update(_id, olds, news) {
    const ops = loadImplementation<typeof Ops>(OPS);
    return ops.updateObject(olds, news);
  },
  async delete(_id, props) {
    const ops = loadImplementation<typeof Ops>(OPS);
    await ops.deleteObject(props);
  },
};

export interface RouterOsObjectArgs {
  /** How to reach the router; pass it through `pulumi.secret` (it holds the password). */
  readonly connection: pulumi.Input<Ops.RouterConnection>;
  /** RouterOS menu path, e.g. `/interface/vlan`. */
  readonly menu: pulumi.Input<string>;
  /** owned | existing | singleton | absent (see ObjectMode). */
  readonly mode: pulumi.Input<ObjectMode>;
  /** Properties that find the object again (`{ name: 'STAFF' }`); empty for a settings menu. */
  readonly key: pulumi.Input<Record<string, pulumi.Input<string>>>;
  /** Desired properties, as RouterOS prints them. */
  readonly props: pulumi.Input<Record<string, pulumi.Input<string>>>;
  /** Which of `props` are secrets (the whole `props` output is then secret). */
  readonly secretProps?: pulumi.Input<string[]>;
  /** List properties where the router may hold more members than `props` names (schoolnet only adds). */
  readonly atLeast?: pulumi.Input<string[]>;
  /** The change can cut the management path: written under commit-confirm (see routeros-ops.ts). */
  readonly guard?: pulumi.Input<boolean>;
  /** Policies the login's group needs for the whole plan, checked before this object writes. */
  readonly requires?: pulumi.Input<string[]>;
  /** What the whole plan takes the router to have (versioned menus, datapath VLANs), checked before this object writes. */
  readonly assumes?: pulumi.Input<string[]>;
}

export class RouterOsObject extends pulumi.dynamic.Resource {
  /** The properties as last applied or read back from the router. */
  declare readonly props: pulumi.Output<Record<string, string>>;
  declare readonly routerId: pulumi.Output<string>;
  declare readonly adopted: pulumi.Output<boolean>;
  declare readonly present: pulumi.Output<boolean>;

  constructor(
    name: string,
    args: RouterOsObjectArgs,
    opts: pulumi.CustomResourceOptions = {},
    hasSecretProps = false,
  ) {
    super(
      routerOsObjectProvider,
      name,
      { ...args, routerId: undefined, adopted: undefined, present: undefined },
      {
        ...opts,
        additionalSecretOutputs: [
          'connection',
          ...(hasSecretProps ? ['props'] : []),
          ...(opts.additionalSecretOutputs ?? []),
        ],
      },
      'routeros',
      'MenuObject',
    );
  }
}

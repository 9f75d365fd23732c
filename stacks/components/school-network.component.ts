/**
 * A school's network as code: one `Router` per RouterOS router of the declaration, each holding its
 * bridge, VLANs, addressing, DHCP, Wi-Fi, RADIUS, hardening and firewall rules (intent/).
 * The stack program (stacks/index.ts) builds it from a validated declaration.
 */
import * as pulumi from '@pulumi/pulumi';
import type { SchoolDeclaration } from '../../inventory/types.ts';
import { routerDevices } from '../../intent/router.ts';
import { PlanError } from '../../intent/types.ts';
import { Router, type RouterAccess } from './router.component.ts';

export interface SchoolNetworkArgs {
  /** The validated school declaration. Plain data: the resources to create depend on it. */
  readonly declaration: SchoolDeclaration;
  /** The declaration's folder, for its relative paths. */
  readonly declarationDir: string;
  /** Login per router device name (a user allowed to write; the password a Pulumi secret). */
  readonly routers: Readonly<Record<string, RouterAccess>>;
  /** Values of the declaration's secret references (`env:`/`file:`), keyed by reference. */
  readonly secrets: Readonly<Record<string, pulumi.Input<string>>>;
}

export class SchoolNetwork extends pulumi.ComponentResource {
  /** Per router device: what it manages and the rules found on it that schoolnet did not write. */
  readonly routers: Record<
    string,
    { managed: { objects: number; rules: number }; unmanagedRules: pulumi.Output<unknown[]> }
  >;

  constructor(name: string, args: SchoolNetworkArgs, opts?: pulumi.ComponentResourceOptions) {
    super('schoolnet:network:SchoolNetwork', name, {}, opts);
    const devices = routerDevices(args.declaration);
    if (devices.length === 0)
      throw new PlanError(
        `school ${args.declaration.school.id} declares no RouterOS router: nothing to apply`,
      );
    this.routers = {};
    for (const device of devices) {
      const access = args.routers[device.name];
      if (!access) throw new PlanError(`no login given for router ${device.name}`);
      const router = new Router(
        `${name}-${device.name}`,
        {
          declaration: args.declaration,
          declarationDir: args.declarationDir,
          device,
          access,
          secrets: args.secrets,
        },
        { parent: this },
      );
      this.routers[device.name] = { managed: router.managed, unmanagedRules: router.unmanagedRules };
    }
    this.registerOutputs({ school: args.declaration.school.id, routers: this.routers });
  }
}

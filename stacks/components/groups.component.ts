/**
 * Concepts a router's objects are grouped under in the Pulumi resource tree: one `Vlan` per network
 * (its bridge VLAN, interface, address, pool, DHCP server and network), one `Wifi` per SSID (its
 * security and interface), and the router's `Hardening`. They own no logic: the Router component
 * creates the dynamic resources as their children.
 */
import * as pulumi from '@pulumi/pulumi';

export interface ObjectGroupArgs {
  /** Router device name, for the outputs. */
  readonly device: pulumi.Input<string>;
  /** What the group stands for: the network, SSID or `hardening`. */
  readonly subject: pulumi.Input<string>;
}

/** A network's objects on one router. */
export class Vlan extends pulumi.ComponentResource {
  constructor(name: string, args: ObjectGroupArgs, opts?: pulumi.ComponentResourceOptions) {
    super('schoolnet:network:Vlan', name, {}, opts);
    this.registerOutputs({ device: args.device, network: args.subject });
  }
}

/** An SSID's objects on one router. */
export class Wifi extends pulumi.ComponentResource {
  constructor(name: string, args: ObjectGroupArgs, opts?: pulumi.ComponentResourceOptions) {
    super('schoolnet:network:Wifi', name, {}, opts);
    this.registerOutputs({ device: args.device, ssid: args.subject });
  }
}

/** Management services, SNMP and default accounts of one router. */
export class Hardening extends pulumi.ComponentResource {
  constructor(name: string, args: ObjectGroupArgs, opts?: pulumi.ComponentResourceOptions) {
    super('schoolnet:network:Hardening', name, {}, opts);
    this.registerOutputs({ device: args.device });
  }
}

/**
 * One RouterOS router of a school: every object the planners want on it (intent/router.ts) as a
 * dynamic resource, grouped by concept, with the references between them as `dependsOn` (so Pulumi
 * creates a VLAN interface after its bridge and removes it before), and the firewall rules.
 */
import * as pulumi from '@pulumi/pulumi';
import { isAbsolute, resolve } from 'node:path';
import type { Device, SchoolDeclaration } from '../../inventory/types.ts';
import { planRouter } from '../../intent/router.ts';
import { PlanError, type DesiredObject } from '../../intent/types.ts';
import { RouterOsFirewallRules } from '../providers/routeros-firewall.dynamic.ts';
import { RouterOsObject } from '../providers/routeros-object.dynamic.ts';
import type { RouterConnection } from '../providers/routeros-ops.ts';
import { Hardening, Vlan, Wifi } from './groups.component.ts';

/** How schoolnet logs in to a router to apply the declaration (a user allowed to write). */
export interface RouterAccess {
  /** RouterOS user with write access. */
  readonly user: pulumi.Input<string>;
  /** Its password (a Pulumi secret). */
  readonly password: pulumi.Input<string>;
}

export interface RouterArgs {
  /** The validated school declaration. Plain data: the resources to create depend on it. */
  readonly declaration: SchoolDeclaration;
  /** The declaration's folder: relative paths in it (the router's CA file) resolve against it. */
  readonly declarationDir: string;
  /** The router device, one of `declaration.devices`. */
  readonly device: Device;
  /** The login used to apply the declaration. */
  readonly access: RouterAccess;
  /** Values of the declaration's secret references (`env:`/`file:`), keyed by reference. */
  readonly secrets: Readonly<Record<string, pulumi.Input<string>>>;
}

const SECRET = /\{\{secret:([^}]+)\}\}/g;

/** The group an object belongs to, from its role (`vlan-STAFF-address` -> `vlan-STAFF`). */
function groupOf(
  decl: SchoolDeclaration,
  o: DesiredObject,
): { kind: 'vlan' | 'wifi' | 'hardening'; subject: string } | undefined {
  for (const n of decl.networks)
    if (o.role.startsWith(`vlan-${n.name}-`)) return { kind: 'vlan', subject: n.name };
  const wifi = /^wifi-(.+)-(security|ssid)$/.exec(o.role);
  if (wifi) return { kind: 'wifi', subject: wifi[1]! };
  if (/^(service-|snmp|user-)/.test(o.role)) return { kind: 'hardening', subject: 'hardening' };
  return undefined;
}

export class Router extends pulumi.ComponentResource {
  /** Rules found on the router that schoolnet did not write (reported, never removed). */
  readonly unmanagedRules: pulumi.Output<unknown[]>;
  /** How many objects and rules this router's stack manages. */
  readonly managed: { objects: number; rules: number };

  constructor(name: string, args: RouterArgs, opts?: pulumi.ComponentResourceOptions) {
    super('schoolnet:network:Router', name, {}, opts);
    const { declaration: decl, device } = args;
    const plan = planRouter(decl, device);
    for (const need of plan.secrets)
      if (args.secrets[need.ref] === undefined)
        throw new PlanError(`${need.field}: no value for secret reference ${need.ref}`);

    const tls = device.tls?.enabled
      ? {
          ...(device.tls.ca
            ? {
                caFile: isAbsolute(device.tls.ca)
                  ? device.tls.ca
                  : resolve(args.declarationDir, device.tls.ca),
              }
            : {}),
          ...(device.tls.fingerprint ? { fingerprint: device.tls.fingerprint } : {}),
          ...(device.tls.servername ? { servername: device.tls.servername } : {}),
        }
      : undefined;
    const connection = pulumi.secret(
      pulumi.all([args.access.user, args.access.password]).apply(([user, password]): RouterConnection => ({
        device: device.name,
        host: device.host,
        port: device.port ?? (tls ? 8729 : 8728),
        user,
        password,
        ...(tls ? { tls } : {}),
        timeoutMs: device.timeoutMs ?? 10_000,
      })),
    );

    const groups = new Map<string, pulumi.ComponentResource>();
    const parentOf = (o: DesiredObject): pulumi.Resource => {
      const g = groupOf(decl, o);
      if (!g) return this;
      const key = `${g.kind}-${g.subject}`;
      let parent = groups.get(key);
      if (!parent) {
        const gArgs = { device: device.name, subject: g.subject };
        const gOpts = { parent: this };
        parent =
          g.kind === 'vlan'
            ? new Vlan(`${name}-${key}`, gArgs, gOpts)
            : g.kind === 'wifi'
              ? new Wifi(`${name}-${key}`, gArgs, gOpts)
              : new Hardening(`${name}-${key}`, gArgs, gOpts);
        groups.set(key, parent);
      }
      return parent;
    };

    const byRole = new Map<string, pulumi.Resource>();
    for (const o of plan.objects) {
      const secretProps = o.secretProps ?? [];
      const props: pulumi.Input<Record<string, pulumi.Input<string>>> =
        secretProps.length === 0 ? o.props : pulumi.secret(this.fill(o.props, args.secrets));
      const resource = new RouterOsObject(
        `${name}-${o.role}`,
        {
          connection,
          menu: o.menu,
          mode: o.mode,
          key: o.key,
          props,
          ...(secretProps.length ? { secretProps } : {}),
          ...(o.atLeast ? { atLeast: o.atLeast } : {}),
          ...(o.guard ? { guard: true } : {}),
          requires: plan.requires,
          ...(plan.assumes.length > 0 ? { assumes: plan.assumes } : {}),
        },
        {
          parent: parentOf(o),
          dependsOn: (o.dependsOn ?? []).map((d) => byRole.get(d)!).filter((r) => r !== undefined),
        },
        secretProps.length > 0,
      );
      byRole.set(o.role, resource);
    }
    const firewall = new RouterOsFirewallRules(
      `${name}-firewall`,
      {
        connection,
        rules: plan.firewall,
        requires: plan.requires,
        ...(plan.assumes.length > 0 ? { assumes: plan.assumes } : {}),
      },
      {
        parent: this,
        dependsOn: plan.firewallDependsOn.map((d) => byRole.get(d)!).filter((r) => r !== undefined),
      },
    );
    this.unmanagedRules = firewall.unmanaged;
    this.managed = { objects: plan.objects.length, rules: plan.firewall.length };
    this.registerOutputs({ device: device.name, managed: this.managed, unmanagedRules: this.unmanagedRules });
  }

  /** Props with every `{{secret:<ref>}}` replaced by the secret's value. */
  private fill(
    props: Record<string, string>,
    secrets: Readonly<Record<string, pulumi.Input<string>>>,
  ): pulumi.Output<Record<string, string>> {
    const refs = [...new Set(Object.values(props).flatMap((v) => [...v.matchAll(SECRET)].map((m) => m[1]!)))];
    return pulumi.all(refs.map((r) => secrets[r]!)).apply((values) => {
      const byRef = new Map(refs.map((r, i) => [r, values[i]!]));
      return Object.fromEntries(
        Object.entries(props).map(([k, v]) => [
          k,
          v.replace(SECRET, (_, ref: string) => byRef.get(ref) ?? ''),
        ]),
      );
    });
  }
}

/**
 * The planners' output: what one router should hold, menu by menu, as plain data. The Pulumi
 * component turns each entry into one dynamic resource; the drift report compares the same entries
 * with the live router's facts. Property names and values are RouterOS's own (`vlan-filtering=yes`).
 */

/**
 * How schoolnet treats an object:
 * - `owned`: schoolnet adds it, keeps it as declared and removes it when the declaration drops it
 *   (an object that already existed under the same key is adopted, kept as declared, and never removed);
 * - `existing`: a default object every router has (`/ip/service telnet`): only its properties are set,
 *   it is never added nor removed;
 * - `singleton`: a settings menu without items (`/snmp`): only set;
 * - `absent`: an object that must not exist (the default `admin` user): removed when found.
 */
export type ObjectMode = 'owned' | 'existing' | 'singleton' | 'absent';

export interface DesiredObject {
  /** Stable, unique within the router: the Pulumi child's name suffix, e.g. `vlan-STAFF-interface`. */
  role: string;
  /** RouterOS menu path, e.g. `/interface/vlan`. */
  menu: string;
  mode: ObjectMode;
  /** Properties that identify the object on the router (looked up with a query); empty for singletons. */
  key: Record<string, string>;
  /** Desired properties (besides the key), as RouterOS prints them. */
  props: Record<string, string>;
  /** Names of `props` that hold a secret (RADIUS secret, Wi-Fi passphrase): never printed, marked secret. */
  secretProps?: string[];
  /**
   * List properties the router may hold more members of than declared (`tagged` on a bridge VLAN when
   * the router's own ports are not declared: its trunk to the switches must stay). Schoolnet only adds.
   */
  atLeast?: string[];
  /** Roles of objects this one refers to (its bridge, interface, pool...): created before, removed after. */
  dependsOn?: string[];
  /**
   * Writing it can cut the management path (bridge VLAN filtering and frame types, bridge ports and VLAN
   * table, VLAN interfaces and addresses, service restrictions): applied under commit-confirm.
   */
  guard?: boolean;
}

/** A secret the plan needs, by the declaration's reference (`env:NAME` / `file:PATH`). */
export interface SecretNeed {
  ref: string;
  /** Where the declaration asks for it, e.g. `radius[0].secret`. */
  field: string;
}

/** One managed `/ip/firewall/filter` rule, in the order it must appear. */
export interface DesiredFilterRule {
  /** Stable id; the rule's comment starts with `schoolnet:<id>`. */
  id: string;
  chain: 'forward' | 'input';
  action: 'accept' | 'drop';
  /** Matchers as RouterOS prints them (`in-interface`, `protocol`, `dst-port`, `connection-state`...). */
  props: Record<string, string>;
  /** `schoolnet:<id> <what the rule means>`. */
  comment: string;
}

/** Everything one RouterOS router should hold according to the declaration. */
export interface RouterPlan {
  device: string;
  /** In dependency order: bridge before its ports, VLAN interfaces before their addresses... */
  objects: DesiredObject[];
  firewall: DesiredFilterRule[];
  /** Roles the firewall rules refer to (the VLAN interfaces they name). */
  firewallDependsOn: string[];
  /** Placeholders in `props` are `{{secret:<ref>}}`; the component fills them from Pulumi secrets. */
  secrets: SecretNeed[];
  /** Policies the provisioner's RouterOS group needs for this plan (checked before anything is written). */
  requires: string[];
  /**
   * What the plan takes the router to have where versions and boards differ, checked on the router before
   * anything is written (so a plan made for another router is refused whole, never applied in part):
   * `menu:<path>` (the Wi-Fi menus: /interface/wifi from 7.13, /interface/wifiwave2 before, legacy
   * /interface/wireless) and `datapath-vlan` (SSIDs put in VLANs by `datapath.vlan-id`, which wifi-qcom-ac
   * does not have).
   */
  assumes: string[];
}

/** The tag every managed firewall rule's comment starts with. */
export const MANAGED_TAG = 'schoolnet:';

export function secretPlaceholder(ref: string): string {
  return `{{secret:${ref}}}`;
}

export class PlanError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PlanError';
  }
}

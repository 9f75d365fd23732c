/**
 * What the drift engine reports, after Nautobot Golden Config: for each feature the intended and actual
 * objects, the missing (intended, not there), the extra (there, not intended) and the different (both,
 * some property differs, with both values). `schoolnet drift`, the drift checks and the report all read
 * these shapes from one engine (intent/drift/router.ts, intent/drift/switch.ts).
 */

export interface PropertyDifference {
  property: string;
  intended: string;
  actual: string;
}

export interface DriftObject {
  /** The object, as a technician finds it: `STAFF`, `10.30.0.0/24`, `Demo-Guest`, `vlan 40`. */
  object: string;
  intended?: Record<string, string>;
  actual?: Record<string, string>;
  differences?: PropertyDifference[];
  /** Why it matters, where the bare values do not say it (`must not exist`, `not written by schoolnet`). */
  note?: string;
}

export interface FeatureCompliance {
  /** `vlan-interfaces`, `dhcp-networks`, `wifi`, `firewall`, `switch-vlans`... */
  feature: string;
  intended: string[];
  actual: string[];
  missing: DriftObject[];
  extra: DriftObject[];
  different: DriftObject[];
  compliant: boolean;
}

export interface DeviceDrift {
  device: string;
  kind: 'router' | 'switch';
  features: FeatureCompliance[];
  /** Intended features the facts do not carry (pools, DHCP servers...): applied by Pulumi, not compared. */
  notCompared: string[];
  drift: boolean;
}

/** Objects of one feature by key, each a flat record of RouterOS-style property values. */
export type Objects = Map<string, Record<string, string>>;

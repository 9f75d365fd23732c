/**
 * Risk for the head's first page and the provider's roll-up: which area a finding is in, what could
 * happen and to whom, who owns putting it right (a declared contact, by role) and by when (from its
 * severity, with defaults the school can change in `reports.dueDays`), findings with one root cause
 * gathered into one line, and a severity-weighted score per area beside the plain pass rate. Pure.
 */
import type { RunFinding } from '../checks/engine/types.ts';
import type { Severity } from '../checks/types.ts';
import type { Contact } from '../inventory/types.ts';
import type { RemediationContext } from './remediation.ts';

export type Area = 'accounts' | 'network' | 'wifi' | 'filtering' | 'devices' | 'inventory';
export const AREAS: readonly Area[] = ['accounts', 'network', 'wifi', 'filtering', 'devices', 'inventory'];
export type ContactRole = Contact['role'];

export const AREA_LABEL: Record<Area, string> = {
  accounts: 'Accounts and passwords',
  network: 'Network separation',
  wifi: 'Wi-Fi',
  filtering: 'Web filtering',
  devices: 'Routers, switches and laptops',
  inventory: 'Inventory and records',
};

/** What could happen, and to whom, when a control in the area fails: the head's plain words. */
export const AREA_HARM: Record<Area, string> = {
  accounts:
    'Someone who should no longer have access, or an attacker using a forgotten or weak account, could open pupils’ records and the school’s systems.',
  network:
    'A pupil, a guest or an infected device could reach staff computers, servers and safeguarding records.',
  wifi: 'Someone outside the school could join a school Wi-Fi network and reach pupils’ and staff’s devices.',
  filtering: 'Pupils could reach harmful or illegal content that the school’s filter is meant to block.',
  devices:
    'An attacker could take over the router or switches, and with them every device and account on the school network.',
  inventory:
    'Equipment nobody knows about, or that no longer gets security updates, could be used to get into the network unnoticed.',
};

export const SEVERITIES: readonly Severity[] = ['critical', 'high', 'medium', 'low', 'info'];
export const SEVERITY_RANK: Record<Severity, number> = { critical: 0, high: 1, medium: 2, low: 3, info: 4 };
/** Weights of the risk-weighted score (docs/reports.md). */
export const SEVERITY_WEIGHT: Record<Severity, number> = {
  critical: 10,
  high: 5,
  medium: 3,
  low: 1,
  info: 0,
};

/** Days to put a finding right, by severity, unless the declaration's `reports.dueDays` says otherwise. */
export const DEFAULT_DUE_DAYS: Record<Severity, number> = {
  critical: 7,
  high: 30,
  medium: 90,
  low: 180,
  info: 365,
};

/** Who owns each area unless the declaration's `reports.owners` says otherwise. */
export const DEFAULT_OWNERS: Record<Area, ContactRole> = {
  accounts: 'technician',
  network: 'provider',
  wifi: 'provider',
  filtering: 'dsl',
  devices: 'provider',
  inventory: 'head',
};

const ROLE_LABEL: Record<ContactRole, string> = {
  head: 'Head teacher',
  dsl: 'Designated safeguarding lead',
  provider: 'IT provider',
  governor: 'Safeguarding governor',
  technician: 'School technician',
};

/** Controls whose failure is a safeguarding matter first: a leaver still in, the filter bypassed, pupils reaching staff. */
export const SAFEGUARDING_CONTROLS = new Set([
  'ACC-LEAVERS',
  'FLT-DNS-FORCED',
  'FLT-BYPASS',
  'NET-ISOLATION',
  'ADM-LEAST',
  'WIFI-GUEST-ISOLATED',
]);

export function areaOfControl(id: string): Area {
  const p = id.split('-')[0] ?? '';
  if (p === 'PW' || p === 'ACC' || p === 'ADM') return 'accounts';
  if (p === 'NET') return 'network';
  if (p === 'WIFI') return 'wifi';
  if (p === 'FLT' || p === 'MON') return 'filtering';
  if (p === 'INV' || p === 'GOV') return 'inventory';
  return 'devices';
}

export function areaOf(f: Pick<RunFinding, 'controls' | 'checkId'>): Area {
  const c = f.controls[0];
  if (c !== undefined) return areaOfControl(c);
  if (f.checkId.startsWith('directory-')) return 'accounts';
  if (f.checkId.startsWith('wifi-')) return 'wifi';
  if (f.checkId.startsWith('inventory-') || f.checkId.startsWith('governance-')) return 'inventory';
  return 'devices';
}

export interface ReportSettings {
  /** The declaration's detail that makes technicians' commands exact. */
  remediation?: RemediationContext;
  /** The resolved pseudonym key (never the reference); absent = pupils as counts only. */
  pseudonymKey?: string;
  contacts?: readonly Contact[];
  dueDays?: Partial<Record<Severity, number>>;
  owners?: Partial<Record<Area, ContactRole>>;
}

export interface Owner {
  role: ContactRole;
  /** The declared contact's name (a role title or fictional name), else the role in words. */
  name: string;
}

export function ownerOf(area: Area, s: ReportSettings | undefined): Owner {
  const want = s?.owners?.[area] ?? DEFAULT_OWNERS[area];
  const contacts = s?.contacts ?? [];
  // A school without a technician has the provider do it; without a provider, the head owns it.
  for (const role of [want, 'provider', 'head'] as const) {
    const c = contacts.find((x) => x.role === role);
    if (c !== undefined) return { role, name: c.name };
  }
  return { role: want, name: ROLE_LABEL[want] };
}

export function dueDate(asOf: string, severity: Severity, s: ReportSettings | undefined): string {
  const days = s?.dueDays?.[severity] ?? DEFAULT_DUE_DAYS[severity];
  return new Date(Date.parse(asOf) + days * 86_400_000).toISOString().slice(0, 10);
}

/**
 * The root cause a finding shares with others: one firewall rule (its comment or tag in the evidence),
 * one account, or one device setting. Findings with the same check, device and root are one line.
 */
export function rootOf(f: RunFinding): string {
  const e = f.evidence[0];
  const rule =
    ruleRef(f.reason) ??
    f.evidence.map((x) => ruleRef(`${x.object ?? ''} ${x.actual ?? ''}`)).find((r) => r !== undefined);
  if (rule !== undefined) return `${f.checkId}|${e?.source ?? ''}|rule ${rule}`;
  return `${f.checkId}|${e?.source ?? ''}`;
}

/**
 * A firewall rule's reference in a finding: its comment or tag where it has one (stable across
 * reboots and edits), else RouterOS's internal id (`*46`, stable only within one run).
 */
export function ruleRef(s: string): string | undefined {
  const m = /\brule (?:"([^"]+)"|(\*[0-9A-Fa-f]+))/.exec(s);
  if (m !== null) return m[1] ?? m[2];
  const t = /\b(?:comment|tag)[=:]\s*"([^"]+)"/i.exec(s);
  return t?.[1];
}

export interface AreaScore {
  area: Area;
  label: string;
  /** passes / (passes + fails), 0..1; null when nothing scored. */
  passRate: number | null;
  /** Severity-weighted: weight of passing findings / weight of passing and failing ones. */
  weighted: number | null;
  pass: number;
  fail: number;
  error: number;
  /** Severity-weighted failures still open (what pulls the weighted score down). */
  openWeight: number;
}

const round4 = (x: number): number => Math.round(x * 10_000) / 10_000;

export function areaScores(findings: readonly RunFinding[]): AreaScore[] {
  return AREAS.map((area) => {
    const fs = findings.filter((f) => areaOf(f) === area);
    const pass = fs.filter((f) => f.status === 'pass');
    const fail = fs.filter((f) => f.status === 'fail');
    const w = (xs: RunFinding[]): number => xs.reduce((n, f) => n + SEVERITY_WEIGHT[f.severity], 0);
    const wp = w(pass);
    const wf = w(fail);
    return {
      area,
      label: AREA_LABEL[area],
      passRate: pass.length + fail.length === 0 ? null : round4(pass.length / (pass.length + fail.length)),
      weighted: wp + wf === 0 ? null : round4(wp / (wp + wf)),
      pass: pass.length,
      fail: fail.length,
      error: fs.filter((f) => f.status === 'error').length,
      openWeight: wf,
    };
  });
}

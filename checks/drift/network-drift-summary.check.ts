import type { Device } from '../../inventory/types.ts';
import { routerDrift } from '../../intent/drift/router.ts';
import { switchDrift } from '../../intent/drift/switch.ts';
import type { DeviceDrift, DriftObject } from '../../intent/drift/types.ts';
import { list, verdict } from '../lib/results.ts';
import { forEachRouter, forEachSwitch } from '../lib/sources.ts';
import type { Check, CheckResult, Evidence } from '../types.ts';

type Params = { ignoreSwitchVlans: number[] };

/**
 * What this check judges of the drift engine's report (intent/drift/), feature by feature: the
 * properties whose difference counts here (`[]`: presence only). The other features (bridge, firewall,
 * services...) have their own checks; `schoolnet drift` lists them all.
 */
export const SUMMARY_FEATURES: Readonly<Record<string, readonly string[]>> = {
  'vlan-interfaces': ['vlan-id', 'interface', 'disabled'],
  addresses: ['disabled'],
  wifi: ['vlan-id', 'disabled'],
  'switch-vlans': [],
};

export interface SummaryItem {
  kind: 'missing' | 'extra' | 'different';
  feature: string;
  /** The engine's object key, as `schoolnet drift` prints it. */
  key: string;
  what: string;
  evidence: Omit<Evidence, 'source'>;
}

const vlanOf = (p: Record<string, string> | undefined): string =>
  p?.['vlan-id'] ? `VLAN ${p['vlan-id']}` : 'untagged';

function noun(feature: string, o: DriftObject, side: Record<string, string> | undefined): string {
  if (feature === 'vlan-interfaces') return `VLAN ${side?.['vlan-id'] ?? o.object}`;
  if (feature === 'switch-vlans') return o.object.replace(/^vlan /, 'VLAN ');
  if (feature === 'wifi') return `SSID ${o.object}`;
  return `address ${o.object}`;
}

/** The items of the engine's report this check judges, worded for a technician. */
export function summaryItems(drift: DeviceDrift): SummaryItem[] {
  const out: SummaryItem[] = [];
  for (const f of drift.features) {
    const props = SUMMARY_FEATURES[f.feature];
    if (props === undefined) continue;
    for (const m of f.missing) {
      const name = noun(f.feature, m, m.intended);
      out.push({
        kind: 'missing',
        feature: f.feature,
        key: m.object,
        what: `missing ${name}`,
        evidence: { object: name, expected: m.intended?.name ?? 'present', actual: 'absent' },
      });
    }
    for (const d of f.different) {
      const diffs = (d.differences ?? []).filter((p) => props.includes(p.property));
      if (diffs.length === 0) continue;
      const name = noun(f.feature, d, d.intended);
      const onlyVlan = diffs.length === 1 && diffs[0]!.property === 'vlan-id';
      out.push({
        kind: 'different',
        feature: f.feature,
        key: d.object,
        what: onlyVlan
          ? `${name} on ${vlanOf(d.actual)}`
          : `${name} ${diffs.map((p) => `${p.property} ${p.actual || '(none)'}`).join(', ')}`,
        evidence: {
          object: name,
          expected: onlyVlan
            ? vlanOf(d.intended)
            : diffs.map((p) => `${p.property} ${p.intended}`).join(', '),
          actual: onlyVlan ? vlanOf(d.actual) : diffs.map((p) => `${p.property} ${p.actual}`).join(', '),
        },
      });
    }
    for (const e of f.extra) {
      const name = noun(f.feature, e, e.actual);
      out.push({
        kind: 'extra',
        feature: f.feature,
        key: e.object,
        what: `extra ${name}`,
        evidence: {
          object: name,
          expected: 'not declared',
          actual: e.actual?.name ?? (e.actual?.interface ? `on ${e.actual.interface}` : 'present'),
        },
      });
    }
  }
  return out;
}

function summarise(device: string, items: SummaryItem[], judged: string): CheckResult {
  const evidence: Evidence[] =
    items.length === 0
      ? [{ source: device, object: judged, expected: 'as declared', actual: 'as declared' }]
      : items.map((i) => ({ source: device, ...i.evidence }));
  return verdict(
    items.length === 0,
    {
      pass: `${device} matches the declaration (${judged}).`,
      fail: `${device} differs from the declaration in ${items.length} place${items.length === 1 ? '' : 's'}: ${list(
        items.map((i) => i.what),
        6,
      )}.`,
    },
    evidence,
  );
}

/**
 * One line per device: what the drift engine (the one `schoolnet drift` runs) finds between the
 * declaration and the live VLANs, addresses and SSIDs.
 */
const check: Check<Params> = {
  meta: {
    id: 'network-drift-summary',
    title: 'Live network matches the declaration',
    controls: ['CFG-DRIFT'],
    needs: ['router', 'switch', 'declaration'],
    params: {
      type: 'object',
      properties: {
        ignoreSwitchVlans: {
          type: 'array',
          items: { type: 'integer', minimum: 1, maximum: 4094 },
          default: [1],
          description: 'VLANs every switch has out of the box (the default VLAN).',
        },
      },
      additionalProperties: false,
    },
    defaults: { ignoreSwitchVlans: [1] },
  },
  evaluate(facts, params, ctx) {
    const undeclared = (name: string, kind: Device['kind'], driver: Device['driver']): Device => ({
      name,
      kind,
      driver,
      host: '',
    });
    const routers = forEachRouter(facts, ctx, (r, device) => {
      const drift = routerDrift(ctx.decl, device ?? undeclared(r.device, 'router', 'routeros'), r);
      return [summarise(r.device, summaryItems(drift), 'VLANs, addresses, SSIDs')];
    });
    const switches = forEachSwitch(facts, ctx, (sw, device) => {
      const drift = switchDrift(ctx.decl, device ?? undeclared(sw.device, 'switch', 'snmp'), sw, {
        ignoreVlans: params.ignoreSwitchVlans,
      });
      return [summarise(sw.device, summaryItems(drift), 'VLANs')];
    });
    // A school without switches (or routers) gets no line for them, unless there is nothing at all.
    const all = [...routers, ...switches];
    const judged = all.filter((r) => r.status !== 'not_applicable');
    return judged.length > 0 ? judged : all;
  },
};

export default check;

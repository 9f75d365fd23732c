import type { RouterFacts } from '../../devices/facts.ts';
import { list, verdict } from '../lib/results.ts';
import { forEachRouter, forEachSwitch } from '../lib/sources.ts';
import type { Check, CheckContext, CheckResult, Evidence } from '../types.ts';

type Params = { ignoreSwitchVlans: number[] };

interface Diff {
  what: string;
  object: string;
  expected: string;
  actual: string;
}

function summarise(device: string, diffs: Diff[], judged: string): CheckResult {
  const evidence: Evidence[] =
    diffs.length === 0
      ? [{ source: device, object: judged, expected: 'as declared', actual: 'as declared' }]
      : diffs.map((d) => ({ source: device, object: d.object, expected: d.expected, actual: d.actual }));
  return verdict(
    diffs.length === 0,
    {
      pass: `${device} matches the declaration (${judged}).`,
      fail: `${device} differs from the declaration in ${diffs.length} place${diffs.length === 1 ? '' : 's'}: ${list(
        diffs.map((d) => d.what),
        6,
      )}.`,
    },
    evidence,
  );
}

function routerDiffs(ctx: CheckContext, r: RouterFacts): Diff[] {
  const diffs: Diff[] = [];
  const liveVlans = new Map(r.vlanInterfaces.filter((v) => !v.disabled).map((v) => [v.vlanId, v]));
  const declVlans = new Set(ctx.decl.networks.map((n) => n.vlan));
  for (const n of ctx.decl.networks) {
    if (!liveVlans.has(n.vlan))
      diffs.push({
        what: `missing VLAN ${n.vlan}`,
        object: `VLAN ${n.vlan}`,
        expected: n.name,
        actual: 'absent',
      });
    const prefix = n.subnet.split('/')[1];
    const want = `${n.gateway}/${prefix ?? ''}`;
    if (!r.addresses.some((a) => !a.disabled && a.address === want)) {
      diffs.push({
        what: `missing address ${want}`,
        object: `address ${want}`,
        expected: `on ${n.name}`,
        actual: 'absent',
      });
    }
  }
  for (const [id, v] of liveVlans) {
    if (!declVlans.has(id))
      diffs.push({
        what: `extra VLAN ${id}`,
        object: `VLAN ${id}`,
        expected: 'not declared',
        actual: v.name,
      });
  }
  const live = r.wifi.filter((w) => !w.disabled);
  for (const s of ctx.decl.wifi) {
    const here = live.filter((w) => w.ssid === s.ssid);
    const net = ctx.decl.networks.find((n) => n.name === s.network);
    if (here.length === 0) {
      diffs.push({
        what: `missing SSID ${s.ssid}`,
        object: `SSID ${s.ssid}`,
        expected: 'broadcast',
        actual: 'absent',
      });
    } else if (net !== undefined && here.some((w) => w.vlanId !== net.vlan)) {
      const at = here.map((w) => (w.vlanId === undefined ? 'untagged' : `VLAN ${w.vlanId}`)).join(', ');
      diffs.push({
        what: `SSID ${s.ssid} on ${at}`,
        object: `SSID ${s.ssid}`,
        expected: `VLAN ${net.vlan}`,
        actual: at,
      });
    }
  }
  for (const w of live) {
    if (!ctx.decl.wifi.some((s) => s.ssid === w.ssid)) {
      diffs.push({
        what: `extra SSID ${w.ssid}`,
        object: `SSID ${w.ssid}`,
        expected: 'not declared',
        actual: `on ${w.name}`,
      });
    }
  }
  return diffs;
}

/** One line per device: what differs between the declaration and the live VLANs, addresses and SSIDs. */
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
    const routers = forEachRouter(facts, ctx, (r) => [
      summarise(r.device, routerDiffs(ctx, r), 'VLANs, addresses, SSIDs'),
    ]);
    const switches = forEachSwitch(facts, ctx, (sw) => {
      const declared = new Set(ctx.decl.networks.map((n) => n.vlan));
      const diffs: Diff[] = [];
      for (const n of ctx.decl.networks) {
        if (!sw.vlans.some((v) => v.id === n.vlan))
          diffs.push({
            what: `missing VLAN ${n.vlan}`,
            object: `VLAN ${n.vlan}`,
            expected: n.name,
            actual: 'absent',
          });
      }
      for (const v of sw.vlans) {
        if (!declared.has(v.id) && !params.ignoreSwitchVlans.includes(v.id)) {
          diffs.push({
            what: `extra VLAN ${v.id}`,
            object: `VLAN ${v.id}`,
            expected: 'not declared',
            actual: v.name,
          });
        }
      }
      return [summarise(sw.device, diffs, 'VLANs')];
    });
    // A school without switches (or routers) gets no line for them, unless there is nothing at all.
    const all = [...routers, ...switches];
    const judged = all.filter((r) => r.status !== 'not_applicable');
    return judged.length > 0 ? judged : all;
  },
};

export default check;

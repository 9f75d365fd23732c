/**
 * `schoolnet drift` and the network-drift-summary check read one engine (intent/drift/): for the same
 * facts, every item the check reports is a line of the command's report, and every line of the
 * command's report in the features the check judges is an item of the check. Pure: the facts come from
 * the builders, not from devices.
 */
import { describe, expect, it } from 'vitest';
import networkDrift, { SUMMARY_FEATURES } from '../../checks/drift/network-drift-summary.check.ts';
import { routerDrift } from '../../intent/drift/router.ts';
import { switchDrift } from '../../intent/drift/switch.ts';
import type { DriftReport } from '../../scripts/commands/drift.ts';
import { renderDriftText } from '../../scripts/commands/drift.ts';
import type { RouterFacts, SwitchFacts } from '../../devices/facts.ts';
import { ctx, declaration, ok, router, run, schoolFacts, switchFacts } from '../builders/fixtures.ts';

interface Line {
  device: string;
  feature: string;
  kind: string;
  key: string;
  properties: string[];
}

/** The command's text report, item by item: `  feature:`, `    missing    key`, property lines below. */
function commandItems(text: string): Line[] {
  const out: Line[] = [];
  let device = '';
  let feature = '';
  for (const line of text.split('\n')) {
    const dev = /^(\S+) \((router|switch)\): /.exec(line);
    if (dev) device = dev[1]!;
    const feat = /^ {2}(\S+):$/.exec(line);
    if (feat) feature = feat[1]!;
    const item = /^ {4}(missing|extra|different) +(.*?)(?: \(.*\))?$/.exec(line);
    if (item) {
      const key = item[2]!.replace(/ [\w-]+=.*$/, '');
      out.push({ device, feature, kind: item[1]!, key, properties: [] });
    }
    const prop = /^ {17}([\w-]+): intended /.exec(line);
    if (prop) out.at(-1)!.properties.push(prop[1]!);
  }
  return out;
}

function bothViews(r: RouterFacts, sw: SwitchFacts) {
  const decl = declaration();
  const routerDevice = decl.devices.find((d) => d.name === r.device)!;
  const switchDevice = decl.devices.find((d) => d.name === sw.device)!;
  const devices = [routerDrift(decl, routerDevice, r), switchDrift(decl, switchDevice, sw)];
  const report: DriftReport = {
    school: decl.school.id,
    file: 'school.yaml',
    generatedAt: '2026-11-24T02:00:00.000Z',
    drift: devices.some((d) => d.drift),
    complete: true,
    devices,
    errors: [],
  };
  const fromCommand = commandItems(renderDriftText(report)).filter((l) => {
    const props = SUMMARY_FEATURES[l.feature];
    if (props === undefined) return false;
    return l.kind !== 'different' || l.properties.some((p) => props.includes(p));
  });
  const fromCheck = run(networkDrift, schoolFacts({ routers: [ok(r)], switches: [ok(sw)] }), {}, ctx(decl));
  return { fromCommand, fromCheck };
}

describe('one drift engine', () => {
  it('the check and `schoolnet drift` report the same items for the same facts', () => {
    const r = router();
    const sw = switchFacts();
    const faulty = router({
      vlanInterfaces: [
        ...r.vlanInterfaces.filter((v) => v.vlanId !== 50),
        { name: 'CCTV', vlanId: 60, interface: 'bridge1', disabled: false },
      ],
      addresses: r.addresses.map((a) => (a.interface === 'GUEST' ? { ...a, disabled: true } : a)),
      wifi: [
        ...r.wifi.map((w) => (w.ssid === 'Oak-Guest' ? { ...w, vlanId: 20 } : w)),
        { ...r.wifi[0]!, name: 'wifi9', ssid: 'Test-AP' },
      ],
    });
    const faultySwitch = {
      ...sw,
      vlans: [...sw.vlans.filter((v) => v.id !== 40), { ...sw.vlans[1]!, id: 70 }],
    };
    const { fromCommand, fromCheck } = bothViews(faulty, faultySwitch);

    const evidence = fromCheck.flatMap((res) => res.evidence.map((e) => `${e.source} ${e.object}`));
    expect(fromCheck.map((x) => x.status)).toEqual(['fail', 'fail']);
    expect(evidence).toHaveLength(fromCommand.length);
    expect(fromCommand.map((l) => `${l.device} ${l.feature} ${l.kind} ${l.key}`).sort()).toEqual(
      [
        'core-router vlan-interfaces missing BYOD',
        'core-router vlan-interfaces extra CCTV',
        'core-router addresses different 10.30.0.1/24 on GUEST',
        'core-router wifi different Oak-Guest',
        'core-router wifi extra Test-AP',
        'core-sw1 switch-vlans missing vlan 40',
        'core-sw1 switch-vlans extra vlan 70',
      ].sort(),
    );
    expect(evidence.sort()).toEqual(
      [
        'core-router VLAN 50',
        'core-router VLAN 60',
        'core-router address 10.30.0.1/24 on GUEST',
        'core-router SSID Oak-Guest',
        'core-router SSID Test-AP',
        'core-sw1 VLAN 40',
        'core-sw1 VLAN 70',
      ].sort(),
    );
  });

  it('both say "as declared" for a network that matches, in the features the check judges', () => {
    const { fromCommand, fromCheck } = bothViews(router(), switchFacts());
    expect(fromCommand).toEqual([]);
    expect(fromCheck.map((x) => x.status)).toEqual(['pass', 'pass']);
  });
});

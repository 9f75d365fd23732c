import fc from 'fast-check';
import { expect, test } from 'vitest';
import type { RouterFirewallRule } from '../devices/facts.ts';
import { zoneReachability as theirs, type Zone as TZ } from '../checks/lib/reachability.ts';
import { zoneReachability as mine } from '../stacks/plan/zones-table.ts';

const zones: TZ[] = [
  { name: 'pupils', interfaces: ['PUPILS'], subnets: ['10.20.0.0/22'] },
  { name: 'staff', interfaces: ['STAFF'], subnets: ['10.10.0.0/24'] },
  { name: 'servers', interfaces: ['SERVERS'], subnets: ['10.40.0.0/24'] },
  { name: 'internet', interfaces: ['ether1'], subnets: [], internet: true },
];
const opt = <T,>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined });
const ruleArb = fc.record({
  chain: fc.constantFrom('forward', 'forward', 'forward', 'c1', 'input'),
  ifl: opt(fc.constantFrom('LAN', 'WAN', '!LAN', 'nolist', 'all')),
  port2: opt(fc.constantFrom('53', '853')),
  action: fc.constantFrom('accept', 'drop', 'accept', 'drop', 'reject', 'jump', 'return', 'log'),
  inIf: opt(fc.constantFrom('PUPILS', 'STAFF', 'SERVERS', 'ether1', '!PUPILS')),
  outIf: opt(fc.constantFrom('PUPILS', 'STAFF', 'SERVERS', 'ether1', '!ether1')),
  src: opt(fc.constantFrom('10.20.0.0/22', '10.20.1.0/24', '10.0.0.0/8', '!10.0.0.0/8', '0.0.0.0/0', '8.8.8.8')),
  dst: opt(fc.constantFrom('10.10.0.0/24', '10.40.0.53', '!10.0.0.0/8', '10.0.0.0/8')),
  proto: opt(fc.constantFrom('tcp', 'udp', 'icmp', 'gre')),
  port: opt(fc.constantFrom('443', '80,443', '8000-8080')),
  state: opt(fc.constantFrom('new', 'established,related', 'invalid', 'new,established')),
  list: opt(fc.constantFrom('blocked', 'seen')),
  disabled: fc.boolean(),
});
test('differential', () => {
  fc.assert(
    fc.property(fc.array(ruleArb, { maxLength: 7 }), (specs) => {
      const rules: RouterFirewallRule[] = specs.map((s, i) => {
        const props: Record<string, string> = {};
        if (s.inIf) props['in-interface'] = s.inIf;
        if (s.outIf && s.chain !== 'input') props['out-interface'] = s.outIf;
        if (s.src) props['src-address'] = s.src;
        if (s.dst) props['dst-address'] = s.dst;
        if (s.proto) props.protocol = s.proto;
        if (s.port && (s.proto === 'tcp' || s.proto === 'udp')) props['dst-port'] = s.port;
        if (s.state) props['connection-state'] = s.state;
        if (s.list) props['src-address-list'] = s.list;
        if (s.ifl) props['in-interface-list'] = s.ifl;
        if (s.port2 && !props.protocol) props.port = s.port2;
        if (s.action === 'jump') props['jump-target'] = 'c1';
        return { id: `*${i}`, chain: s.chain, action: s.action === 'jump' && s.chain === 'c1' ? 'accept' : s.action, props, disabled: s.disabled, order: i };
      });
      const lists = [{ list: 'blocked', address: '10.20.0.0/22', disabled: false }];
      const il = { LAN: ['PUPILS', 'STAFF', 'SERVERS'], WAN: ['ether1'] };
      for (const chain of ['forward', 'input']) {
      const a = theirs(rules, zones, { addressLists: lists, interfaceLists: il, chain, services: ['tcp/8001'] });
      const b = mine(rules, zones, { addressLists: lists, interfaceLists: il, chain, services: ['tcp/8001'] });
      for (const pa of a) {
        const pb = b.find((x) => x.from === pa.from && x.to === pa.to)!;
        expect(`${chain} ${pa.from}->${pa.to} ${pb.services.map((x) => x.service).sort()} ${pb.verdict}`).toBe(`${chain} ${pa.from}->${pa.to} ${pa.services.map((x) => x.service).sort()} ${pa.verdict}`);
        for (const sa of pa.services) {
          const sb = pb.services.find((x) => x.service === sa.service);
          if (!sb) continue;
          expect(`${chain} ${pa.from}->${pa.to} ${sa.service} ${sb.accepted} ${sb.uncertain}`).toBe(`${chain} ${pa.from}->${pa.to} ${sa.service} ${sa.accepted} ${sa.uncertain}`);
        }
      }
      }
    }),
    { numRuns: 3000 },
  );
});

import { portLabel, switchLabel } from '../lib/labels.ts';
import { networkByName } from '../lib/networks.ts';
import { error, notApplicable, verdict } from '../lib/results.ts';
import { forEachSwitch } from '../lib/sources.ts';
import type { Check, CheckResult } from '../types.ts';

type Params = Record<string, never>;

/** Each declared access port's PVID is its declared network's VLAN. Ports are matched by number, then name. */
const check: Check<Params> = {
  meta: {
    id: 'switch-port-pvid-declared',
    title: 'Switch access ports are on their declared VLAN',
    controls: ['NET-SWITCH-PORTS'],
    needs: ['switch', 'declaration'],
    params: { type: 'object', properties: {}, additionalProperties: false },
    defaults: {},
  },
  evaluate(facts, _params, ctx) {
    return forEachSwitch(facts, ctx, (sw, device) => {
      const access = (device?.ports ?? []).filter((p) => p.mode === 'access');
      if (access.length === 0)
        return [notApplicable(`No access ports are declared for ${sw.device}.`, { source: sw.device })];
      return access.map((p): CheckResult => {
        const net = p.network === undefined ? undefined : networkByName(ctx, p.network);
        const live = sw.ports.find((x) =>
          typeof p.port === 'number' ? x.port === p.port : x.name === p.port || String(x.port) === p.port,
        );
        const object = `port ${p.port}`;
        // The technician's sentence names the port as the switch does (ifAlias, interface) and the switch's sysName.
        const label = portLabel(p.port, live, sw);
        const Label = `P${label.slice(1)}`;
        const where = switchLabel(sw);
        if (net === undefined) {
          return error(
            `${Label} on ${where} is declared on network "${p.network ?? ''}", which the declaration does not define.`,
            {
              source: sw.device,
              object,
              expected: 'a declared network',
              actual: p.network ?? 'none',
            },
          );
        }
        if (live === undefined) {
          return error(`${where} did not report port ${p.port}, so its VLAN cannot be judged.`, {
            source: sw.device,
            object,
            expected: `PVID ${net.vlan}`,
            actual: 'port not reported',
          });
        }
        return verdict(
          live.pvid === net.vlan,
          {
            pass: `${Label} on ${where} is on ${net.name} (VLAN ${net.vlan}).`,
            fail: `${Label} on ${where} is on VLAN ${live.pvid ?? 'unknown'}; it is declared on ${net.name} (VLAN ${net.vlan}).`,
          },
          {
            source: sw.device,
            object,
            expected: `PVID ${net.vlan}`,
            actual: live.pvid === undefined ? 'unknown' : `PVID ${live.pvid}`,
          },
        );
      });
    });
  },
};

export default check;

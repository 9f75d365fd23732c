import { deviceText } from '../lib/labels.ts';
import { verdict } from '../lib/results.ts';
import { forEachSwitchCli } from '../lib/sources.ts';
import type { Check } from '../types.ts';

type Params = { allowHttp: boolean };

/** Telnet and the plain HTTP server are off in the switch's running configuration. */
const check: Check<Params> = {
  meta: {
    id: 'switch-management-plaintext-off',
    title: 'Switches are not managed over telnet or plain HTTP',
    controls: ['DEV-MGMT-PLAINTEXT'],
    needs: ['switch-cli', 'declaration'],
    params: {
      type: 'object',
      properties: { allowHttp: { type: 'boolean', default: false } },
      additionalProperties: false,
    },
    defaults: { allowHttp: false },
  },
  evaluate(facts, params, ctx) {
    return forEachSwitchCli(facts, ctx, (m, device) => {
      // The sentences name the switch as its configuration does too (`hostname`), where that differs.
      const named =
        m.hostname && m.hostname !== device ? `${device} (hostname ${deviceText(m.hostname)})` : device;
      const out = [
        verdict(
          !m.telnet,
          {
            pass: `Telnet is off on ${named}.`,
            fail: `Telnet is on on ${named}, so the admin password crosses the network in clear.`,
          },
          { source: device, object: 'telnet', expected: 'off', actual: m.telnet ? 'on' : 'off' },
        ),
      ];
      if (!params.allowHttp) {
        out.push(
          verdict(
            !m.http,
            {
              pass: `The plain HTTP server is off on ${named}.`,
              fail: `The plain HTTP management page is on on ${named}; use HTTPS only.`,
            },
            { source: device, object: 'http', expected: 'off', actual: m.http ? 'on' : 'off' },
          ),
        );
      }
      return out;
    });
  },
};

export default check;

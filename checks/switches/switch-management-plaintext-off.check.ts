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
      const out = [
        verdict(
          !m.telnet,
          {
            pass: `Telnet is off on ${device}.`,
            fail: `Telnet is on on ${device}, so the admin password crosses the network in clear.`,
          },
          { source: device, object: 'telnet', expected: 'off', actual: m.telnet ? 'on' : 'off' },
        ),
      ];
      if (!params.allowHttp) {
        out.push(
          verdict(
            !m.http,
            {
              pass: `The plain HTTP server is off on ${device}.`,
              fail: `The plain HTTP management page is on on ${device}; use HTTPS only.`,
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

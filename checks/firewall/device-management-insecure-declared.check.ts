import { fail, pass } from '../lib/results.ts';
import type { Check } from '../types.ts';

/**
 * What the declaration itself lets cross the network in clear: a RouterOS device with `insecure: true`
 * (the plain API, 8728, carries the audit password in clear) and an SMTP relay declared insecure (the
 * report, with account names, in clear). The toolkit refuses both unless declared, and says so every run.
 */
const check: Check = {
  meta: {
    id: 'device-management-insecure-declared',
    title: 'Nothing is declared to be managed or reported in clear',
    controls: ['DEV-MGMT-PLAINTEXT'],
    needs: ['declaration'],
    params: { type: 'object', properties: {}, additionalProperties: false },
    defaults: {},
  },
  evaluate(_facts, _params, ctx) {
    const out = ctx.decl.devices
      .filter((d) => d.insecure === true)
      .map((d) =>
        fail(
          `${d.name} is declared insecure: the RouterOS API password crosses the network in clear (plain API, port ${d.port ?? 8728}). Enable api-ssl and declare tls.`,
          {
            source: 'declaration',
            object: d.name,
            expected: 'api-ssl (TLS)',
            actual: 'plain API declared insecure',
          },
        ),
      );
    const smtp = ctx.decl.delivery?.email?.smtp;
    if (smtp?.insecure === true)
      out.push(
        fail(
          `Reports are emailed through ${smtp.host}:${smtp.port}, declared an insecure relay: they cross the network without TLS.`,
          {
            source: 'declaration',
            object: 'delivery.email.smtp',
            expected: 'TLS',
            actual: 'declared insecure',
          },
        ),
      );
    if (out.length > 0) return out;
    return [
      pass(
        'No device or mail relay is declared insecure: management and reports use encrypted connections.',
        {
          source: 'declaration',
          object: 'devices',
          expected: 'no insecure: true',
          actual: 'none declared',
        },
      ),
    ];
  },
};

export default check;

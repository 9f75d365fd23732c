import { contains, parseRange } from '../lib/ip.ts';
import { verdict } from '../lib/results.ts';
import { forEachRouter } from '../lib/sources.ts';
import type { Check } from '../types.ts';

type Params = { services: string[]; plaintextOff: boolean };

const MANAGEMENT = ['telnet', 'ftp', 'www', 'api', 'api-ssl', 'ssh', 'winbox', 'www-ssl'];
const PLAINTEXT = ['telnet', 'ftp', 'www', 'api'];

/**
 * Each router management service is off, or limited to addresses inside the declared management
 * ranges (`managementAllowFrom`, else any limit that is not "everywhere"). With `plaintextOff`,
 * telnet, ftp, www and the plain API must be off whatever their address limit.
 */
const check: Check<Params> = {
  meta: {
    id: 'routeros-service-management-restricted',
    title: 'Router management services are off or restricted',
    controls: ['FW-MGMT-SERVICES'],
    needs: ['router', 'declaration'],
    params: {
      type: 'object',
      properties: {
        services: { type: 'array', items: { type: 'string' }, default: MANAGEMENT },
        plaintextOff: { type: 'boolean', default: false },
      },
      additionalProperties: false,
    },
    defaults: { services: MANAGEMENT, plaintextOff: false },
  },
  evaluate(facts, params, ctx) {
    return forEachRouter(facts, ctx, (r, device) => {
      const allowFrom = (device?.managementAllowFrom ?? []).map(parseRange).filter((x) => x !== undefined);
      return r.services
        .filter((s) => params.services.includes(s.name))
        .map((s) => {
          const addrs = s.address.filter((a) => a.trim() !== '');
          const ranges = addrs.map(parseRange);
          const everywhere =
            addrs.length === 0 ||
            ranges.some((x) => x === undefined || (x.first === 0 && x.last === 0xffffffff));
          const inside =
            !everywhere &&
            (allowFrom.length === 0 ||
              ranges.every((x) => x !== undefined && allowFrom.some((a) => contains(a, x))));
          const plaintext = PLAINTEXT.includes(s.name);
          const mustBeOff = params.plaintextOff && plaintext;
          const ok = s.disabled || (!mustBeOff && inside);
          const actual = s.disabled
            ? 'disabled'
            : `enabled on port ${s.port}, from ${addrs.length === 0 ? 'anywhere' : addrs.join(', ')}`;
          const expected = mustBeOff
            ? 'disabled'
            : `disabled, or limited to ${allowFrom.length === 0 ? 'specific addresses' : (device?.managementAllowFrom ?? []).join(', ')}`;
          return verdict(
            ok,
            {
              pass: s.disabled
                ? `${s.name} is off on ${r.device}.`
                : `${s.name} on ${r.device} only answers ${addrs.join(', ')}.`,
              fail: mustBeOff
                ? `${s.name} on ${r.device} is on; it sends passwords in clear and must be off.`
                : everywhere
                  ? `${s.name} on ${r.device} answers from any address${plaintext ? ', and sends passwords in clear' : ''}.`
                  : `${s.name} on ${r.device} answers ${addrs.join(', ')}, outside the management addresses.`,
            },
            { source: r.device, object: `service ${s.name}`, expected, actual },
          );
        });
    });
  },
};

export default check;

import { compareVersions } from '../lib/version.ts';
import { error, notApplicable, verdict } from '../lib/results.ts';
import { forEachRouter } from '../lib/sources.ts';
import type { Check } from '../types.ts';

type Params = Record<string, never>;

/** RouterOS at or above the minimum the provider declared for the device (`minFirmware`). */
const check: Check<Params> = {
  meta: {
    id: 'routeros-firmware-minimum',
    title: 'RouterOS is at or above the declared minimum version',
    controls: ['FW-FIRMWARE'],
    needs: ['router', 'declaration'],
    params: { type: 'object', properties: {}, additionalProperties: false },
    defaults: {},
  },
  evaluate(facts, _params, ctx) {
    return forEachRouter(facts, ctx, (r, device) => {
      const min = device?.minFirmware;
      if (min === undefined)
        return [
          notApplicable(`No minimum version is declared for ${r.device}.`, {
            source: r.device,
            actual: r.version,
          }),
        ];
      const cmp = compareVersions(r.version, min);
      const evidence = { source: r.device, object: 'RouterOS', expected: `>= ${min}`, actual: r.version };
      if (cmp === undefined)
        return [
          error(
            `${r.device} reported a RouterOS version "${r.version}" that cannot be compared with ${min}.`,
            evidence,
          ),
        ];
      return [
        verdict(
          cmp >= 0,
          {
            pass: `${r.device} runs RouterOS ${r.version} (minimum ${min}).`,
            fail: `${r.device} runs RouterOS ${r.version}, older than the declared minimum ${min}.`,
          },
          evidence,
        ),
      ];
    });
  },
};

export default check;

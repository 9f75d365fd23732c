import { compareVersions } from '../lib/version.ts';
import { error, notApplicable, verdict } from '../lib/results.ts';
import { forEachSwitch } from '../lib/sources.ts';
import type { Check } from '../types.ts';

type Params = Record<string, never>;

/** The switch's software revision (ENTITY-MIB, chassis first) at or above the declared minimum. */
const check: Check<Params> = {
  meta: {
    id: 'switch-firmware-minimum',
    title: 'Switch firmware is at or above the declared minimum',
    controls: ['FW-FIRMWARE'],
    needs: ['switch', 'declaration'],
    params: { type: 'object', properties: {}, additionalProperties: false },
    defaults: {},
  },
  evaluate(facts, _params, ctx) {
    return forEachSwitch(facts, ctx, (sw, device) => {
      const min = device?.minFirmware;
      if (min === undefined)
        return [notApplicable(`No minimum firmware is declared for ${sw.device}.`, { source: sw.device })];
      const ordered = [...sw.entities].sort(
        (a, b) => (a.class === 'chassis' ? 0 : 1) - (b.class === 'chassis' ? 0 : 1),
      );
      const version = ordered
        .map((e) => e.softwareRev ?? e.firmwareRev)
        .find((v) => v !== undefined && v.trim() !== '');
      const evidence = {
        source: sw.device,
        object: 'firmware',
        expected: `>= ${min}`,
        actual: version ?? 'not reported',
      };
      if (version === undefined) {
        return [
          error(
            `${sw.device} does not report a software revision (ENTITY-MIB), so its firmware cannot be judged.`,
            evidence,
          ),
        ];
      }
      const cmp = compareVersions(version, min);
      if (cmp === undefined)
        return [
          error(
            `${sw.device} reports firmware "${version}", which cannot be compared with ${min}.`,
            evidence,
          ),
        ];
      return [
        verdict(
          cmp >= 0,
          {
            pass: `${sw.device} runs firmware ${version} (minimum ${min}).`,
            fail: `${sw.device} runs firmware ${version}, older than the declared minimum ${min}.`,
          },
          evidence,
        ),
      ];
    });
  },
};

export default check;

import { switchFirmware } from '../lib/firmware.ts';
import { compareVersions } from '../lib/version.ts';
import { error, notApplicable, verdict } from '../lib/results.ts';
import { forEachSwitch } from '../lib/sources.ts';
import type { Check } from '../types.ts';

type Params = Record<string, never>;

/**
 * The switch's firmware at or above the declared minimum: ENTITY-MIB's software revision (chassis
 * first), else the vendor's sysDescr format (checks/lib/firmware.ts), as the device's `firmwareSource`
 * says. A switch that names it nowhere is a warning for that device, not an error.
 */
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
      const reading = switchFirmware(sw, device?.firmwareSource ?? 'auto');
      const evidence = {
        source: sw.device,
        object: 'firmware',
        expected: `>= ${min}`,
        actual: reading.version === undefined ? 'not reported' : `${reading.version} (${reading.detail})`,
      };
      if (reading.version === undefined) {
        // No fault of the switch's configuration: a warning for this device, not an error every night.
        const why = `${sw.device}'s firmware cannot be read: ${reading.tried}${sw.sysDescr === '' ? '' : ` (sysDescr "${sw.sysDescr.slice(0, 120)}")`}; check it by hand, or state firmwareSource in the declaration.`;
        return [{ ...notApplicable(why, evidence), warning: why }];
      }
      const version = reading.version;
      const from = ` (read from ${reading.source === 'sysdescr' ? reading.detail : 'ENTITY-MIB'})`;
      const cmp = compareVersions(version, min);
      if (cmp === undefined)
        return [
          error(
            `${sw.device} reports firmware "${version}"${from}, which cannot be compared with ${min}.`,
            evidence,
          ),
        ];
      return [
        verdict(
          cmp >= 0,
          {
            pass: `${sw.device} runs firmware ${version}${from} (minimum ${min}).`,
            fail: `${sw.device} runs firmware ${version}${from}, older than the declared minimum ${min}.`,
          },
          evidence,
        ),
      ];
    });
  },
};

export default check;

/**
 * A switch's firmware and where it was read: ENTITY-MIB's software (or firmware) revision, chassis
 * first; else the vendor's sysDescr format (checks/firmware/sysdescr-firmware.json, data); or nothing. The
 * declaration may pin the source (`firmwareSource`), so a switch whose ENTITY-MIB is known to be empty
 * or wrong is read from sysDescr only, and the other way round.
 */
import type { SwitchFacts } from '../../devices/facts.ts';
import table from '../firmware/sysdescr-firmware.json' with { type: 'json' };

export type FirmwareSource = 'auto' | 'entity-mib' | 'sysdescr';

export interface SysDescrPattern {
  id: string;
  vendor: string;
  match: string;
  version: string;
  example: string;
  recorded: string[];
}

export const SYSDESCR_PATTERNS: readonly SysDescrPattern[] = table.patterns;
const COMPILED = SYSDESCR_PATTERNS.map((p) => ({
  p,
  match: new RegExp(p.match),
  version: new RegExp(p.version),
}));

export type FirmwareReading =
  | { version: string; source: 'entity-mib'; detail: string }
  | { version: string; source: 'sysdescr'; detail: string; pattern: string }
  | { version: undefined; tried: string };

/** The firmware a sysDescr names, by the first vendor pattern that recognises it. */
export function firmwareFromSysDescr(
  sysDescr: string,
): { version: string; pattern: SysDescrPattern } | undefined {
  const text = sysDescr.replace(/\s+/g, ' ').trim();
  for (const c of COMPILED) {
    if (!c.match.test(text)) continue;
    const v = c.version.exec(text)?.[1];
    if (v !== undefined && v !== '') return { version: v, pattern: c.p };
  }
  return undefined;
}

function fromEntityMib(sw: Pick<SwitchFacts, 'entities'>): { version: string; detail: string } | undefined {
  const ordered = [...sw.entities].sort(
    (a, b) => (a.class === 'chassis' ? 0 : 1) - (b.class === 'chassis' ? 0 : 1),
  );
  for (const e of ordered) {
    for (const [field, v] of [
      ['entPhysicalSoftwareRev', e.softwareRev],
      ['entPhysicalFirmwareRev', e.firmwareRev],
    ] as const) {
      if (v !== undefined && v.trim() !== '')
        return {
          version: v.trim(),
          detail: `ENTITY-MIB ${field} of ${e.class} "${e.name ?? e.description}"`,
        };
    }
  }
  return undefined;
}

/** Reads the firmware from the source the declaration names (default: ENTITY-MIB, then sysDescr). */
export function switchFirmware(
  sw: Pick<SwitchFacts, 'entities' | 'sysDescr'>,
  source: FirmwareSource = 'auto',
): FirmwareReading {
  if (source !== 'sysdescr') {
    const e = fromEntityMib(sw);
    if (e !== undefined) return { version: e.version, source: 'entity-mib', detail: e.detail };
  }
  if (source !== 'entity-mib') {
    const s = firmwareFromSysDescr(sw.sysDescr);
    if (s !== undefined)
      return {
        version: s.version,
        source: 'sysdescr',
        pattern: s.pattern.id,
        detail: `sysDescr, ${s.pattern.vendor} format`,
      };
  }
  const tried =
    source === 'entity-mib'
      ? 'ENTITY-MIB (the declared source) has no software revision'
      : source === 'sysdescr'
        ? 'sysDescr (the declared source) matches no known vendor format'
        : 'neither ENTITY-MIB nor sysDescr names it';
  return { version: undefined, tried };
}

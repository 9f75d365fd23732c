/**
 * Firmware versions as devices print them: `7.16.1`, `7.16.1 (stable)`, `7.15rc2`, `15.2(7)E4`.
 * Numeric parts compare as numbers; a pre-release (`rc`, `beta`) sorts before its release.
 */

export interface ParsedVersion {
  parts: number[];
  /** Pre-release rank: release = Infinity, otherwise the rc/beta number. */
  pre: number;
}

export function parseVersion(text: string): ParsedVersion | undefined {
  const m = /(\d+(?:[.(]\d+)*)\)?(?:\s*(alpha|beta|rc)(\d*))?/i.exec(text);
  if (m === null || m[1] === undefined) return undefined;
  const parts = m[1].split(/[.(]/).map(Number);
  const kind = m[2]?.toLowerCase();
  const n = m[3] === undefined || m[3] === '' ? 0 : Number(m[3]);
  const base = kind === 'alpha' ? 0 : kind === 'beta' ? 1000 : kind === 'rc' ? 2000 : undefined;
  return { parts, pre: base === undefined ? Number.POSITIVE_INFINITY : base + n };
}

/** Negative when a < b, 0 when equal, positive when a > b; undefined when either is unreadable. */
export function compareVersions(a: string, b: string): number | undefined {
  const x = parseVersion(a);
  const y = parseVersion(b);
  if (x === undefined || y === undefined) return undefined;
  const len = Math.max(x.parts.length, y.parts.length);
  for (let i = 0; i < len; i++) {
    const d = (x.parts[i] ?? 0) - (y.parts[i] ?? 0);
    if (d !== 0) return d;
  }
  if (x.pre === y.pre) return 0;
  return x.pre < y.pre ? -1 : 1;
}

/**
 * Declared but absent. Where the declaration asks for something (an SSID with WPA3 or protected
 * management frames, a guest SSID on its VLAN) and no readable device has it, the check that judges
 * that thing fails with the evidence: absence is never "not applicable". A device that could not be
 * read may be the one that has it, so then the answer is an error, never a guess.
 */
import type { SchoolFacts } from '../../devices/facts.ts';
import type { Ssid } from '../../inventory/types.ts';
import type { CheckContext, CheckResult } from '../types.ts';
import { error, fail } from './results.ts';

/**
 * One result per declared SSID matching `wanted` that no readable router broadcasts (enabled): a
 * failure naming what the declaration asks for, or an error when a router could not be read.
 * `asks` says in a few words what the SSID is declared with (e.g. "WPA3-Enterprise").
 */
export function absentDeclaredSsids(
  facts: SchoolFacts,
  ctx: CheckContext,
  wanted: (s: Ssid) => boolean,
  asks: (s: Ssid) => string,
): CheckResult[] {
  const readable = facts.routers.flatMap((c) => (c.ok ? [c.facts] : []));
  const unreadable = facts.routers.filter((c) => !c.ok).length;
  const out: CheckResult[] = [];
  // No router read at all: the collection errors already say so.
  if (readable.length === 0) return out;
  for (const s of ctx.decl.wifi.filter(wanted)) {
    const where = readable.flatMap((r) => r.wifi.filter((w) => w.ssid === s.ssid).map((w) => ({ r, w })));
    if (where.some((x) => !x.w.disabled)) continue;
    const actual = where.length > 0 ? `disabled on ${where.map((x) => x.r.device).join(', ')}` : 'absent';
    const evidence = {
      source: where[0]?.r.device ?? readable[0]?.device ?? 'router',
      object: s.ssid,
      expected: `${s.ssid} broadcast with ${asks(s)}`,
      actual,
    };
    if (unreadable > 0)
      out.push(
        error(
          `${s.ssid} is declared with ${asks(s)} but was not found on the routers that could be read.`,
          evidence,
        ),
      );
    else
      out.push(
        fail(
          `${s.ssid} is declared with ${asks(s)}, but ${where.length > 0 ? 'it is disabled' : 'no router broadcasts it'}, so nobody gets that protection.`,
          evidence,
        ),
      );
  }
  return out;
}

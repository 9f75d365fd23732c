import { describe, expect, it } from 'vitest';
import type { FactNeed } from './types.ts';
import {
  failed,
  ok,
  run,
  schoolFacts,
  statuses,
  switchFacts,
  type FactParts,
} from '../test/builders/fixtures.ts';
import { allChecks } from './registry.ts';

/** For each kind of fact, the school with that source unreadable (or never read). */
const missing: Partial<Record<FactNeed, { device: string; parts: FactParts }>> = {
  router: { device: 'core-router', parts: { routers: [failed('core-router')] } },
  switch: {
    device: 'core-sw1',
    parts: {
      switches: [
        failed('core-sw1'),
        ok({ ...switchFacts({ device: 'core-sw1-cli' }), management: undefined }),
      ],
    },
  },
  'switch-cli': { device: 'core-sw1-cli', parts: { switches: [ok(switchFacts()), failed('core-sw1-cli')] } },
  directory: { device: 'directory', parts: { directory: failed('directory') } },
  roster: { device: 'roster', parts: { roster: null } },
  // The example declaration names no register, so a register check may only say not_applicable.
  register: { device: 'register', parts: {} },
};

describe('every check, with the facts it needs missing', () => {
  const cases = allChecks.flatMap((c) =>
    c.meta.needs.filter((n) => missing[n] !== undefined).map((n) => [c.meta.id, n, c] as const),
  );

  it.each(cases)('%s without %s: an error naming the cause, never a pass from it', (_id, need, check) => {
    const { device, parts } = missing[need]!;
    const results = run(check, schoolFacts(parts));
    const s = statuses(results);
    // Checks whose clause asks for nothing (expiry period 0, say) may say so before reading anything.
    if (s.every((x) => x === 'not_applicable')) return;
    expect(s).toContain('error');
    expect(results.filter((r) => r.status === 'pass' && r.evidence.some((e) => e.source === device))).toEqual(
      [],
    );
    expect(results.find((r) => r.status === 'error')?.evidence[0]?.source).toBe(device);
  });

  it('covers every check that reads a device or the roster', () => {
    expect(cases.length).toBeGreaterThanOrEqual(allChecks.length - 1);
  });
});

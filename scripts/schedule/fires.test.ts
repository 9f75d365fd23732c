import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { pgPlaceholders } from '../fleet/records.ts';
import type { FireRecord } from './fires.ts';
import { deliveryOutcome, FireLedger, nightText, settleOwed } from './fires.ts';

const fire = (fireKey: string, firedAt: string): FireRecord => ({
  school: 's',
  fireKey,
  firedAt,
  state: 'scheduled',
  attempts: 0,
  updated: firedAt,
});

describe('settleOwed: what a restart (or a planner pass) does with fires whose slot passed', () => {
  const now = new Date('2026-12-06T12:00:00Z');
  const owed = [fire('2026-12-04', '2026-12-04T01:30:00Z'), fire('2026-12-05', '2026-12-05T01:30:00Z')];

  it('missed: once catches up only the most recent, within the window; the others are missed', () => {
    const r = settleOwed(owed, { policy: 'once', windowMs: 36 * 3_600_000, now, down: 'x was down' });
    expect(r.catchUp?.fireKey).toBe('2026-12-05');
    expect(r.missed.map((m) => [m.fire.fireKey, m.message])).toEqual([
      ['2026-12-04', 'x was down at its time; only the most recent missed night is caught up'],
    ]);
  });

  it('beyond the window nothing is caught up; missed: skip never catches up', () => {
    const late = settleOwed(owed, { policy: 'once', windowMs: 3_600_000, now, down: 'x was down' });
    expect(late.catchUp).toBeUndefined();
    expect(late.missed.at(-1)?.message).toBe('x was down at its time, and it is more than 60 minutes ago');
    const skip = settleOwed(owed, { policy: 'skip', windowMs: 12 * 3_600_000, now, down: 'x was down' });
    expect(skip.catchUp).toBeUndefined();
    expect(skip.missed.map((m) => m.message)).toEqual([
      'x was down at its time; the school does not catch up (missed: skip)',
      'x was down at its time; the school does not catch up (missed: skip)',
    ]);
  });
});

describe('deliveryOutcome', () => {
  const d = (status: 'sent' | 'failed' | 'skipped', recipient: string) => ({
    runId: 'r',
    channel: 'email' as const,
    recipient,
    status,
    attempts: 1,
    updated: 't',
  });
  it('is delivered when nothing failed (skipped is not a failure), undelivered naming each failure', () => {
    expect(deliveryOutcome([d('sent', 'a@x'), d('skipped', 'b@x')])).toEqual({ state: 'delivered' });
    expect(deliveryOutcome([])).toEqual({ state: 'delivered' });
    expect(deliveryOutcome([d('failed', 'a@x'), d('sent', 'b@x'), d('failed', 'c@x')])).toEqual({
      state: 'undelivered',
      message: '2 deliveries failed: email to a@x, email to c@x',
    });
  });
});

describe('FireLedger on its SQLite port', () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  it('plans many at once without touching recorded fires, lists by state, owns up to unreported nights', () => {
    dir = mkdtempSync(join(tmpdir(), 'fires-'));
    const l = new FireLedger(join(dir, 'r.db'));
    try {
      expect(l.plan('a', '2026-12-04 01:30', '2026-12-04T01:30:00Z', 't0')).toBe(true);
      expect(l.set('a', '2026-12-04 01:30', 'missed', 't1', { from: ['scheduled'], message: 'down' })).toBe(
        true,
      );
      const added = l.planMany(
        [
          { school: 'a', fireKey: '2026-12-04 01:30', firedAt: '2026-12-04T01:30:00Z' },
          { school: 'a', fireKey: '2026-12-05 01:30', firedAt: '2026-12-05T01:30:00Z' },
          ...Array.from({ length: 250 }, (_, i) => ({
            school: `b${i}`,
            fireKey: '2026-12-05 01:30',
            firedAt: '2026-12-05T01:30:00Z',
          })),
        ],
        't2',
      );
      expect(added).toBe(251);
      expect(l.get('a', '2026-12-04 01:30')?.state).toBe('missed');
      expect(l.inState(['missed']).map((f) => f.fireKey)).toEqual(['2026-12-04 01:30']);
      expect(l.inState(['scheduled'])).toHaveLength(251);
      expect(l.latest().get('a')).toBe('2026-12-05T01:30:00Z');
      expect(l.claim('a', '2026-12-05 01:30', 't3')).toBe(true);
      expect(l.claim('a', '2026-12-05 01:30', 't3')).toBe(false);
      expect(l.nightsOwed('a', '2026-12-05T01:30:00Z')).toEqual(['2026-12-04 01:30: missed (down)']);
    } finally {
      l.close();
    }
  });

  it('renders each state in one vocabulary for the roll-up and the digest', () => {
    const f = { ...fire('2026-12-05', 't'), state: 'not-started' as const, message: 'no agent took it' };
    expect(nightText(f)).toBe('2026-12-05: not started (no agent took it)');
    expect(nightText({ ...f, state: 'queued', message: undefined } as FireRecord)).toBe('2026-12-05: queued');
  });
});

describe('pgPlaceholders', () => {
  it('numbers the ledger’s ? placeholders for PostgreSQL', () => {
    expect(pgPlaceholders('UPDATE t SET a = ? WHERE b = ? AND c IN (?, ?)')).toBe(
      'UPDATE t SET a = $1 WHERE b = $2 AND c IN ($3, $4)',
    );
  });
});

/**
 * The results store's contract, run against each store (SQLite beside the code in
 * checks/engine/store.test.ts, PostgreSQL in test/store-postgres.test.ts): the same cases, the same
 * expectations, so `report`, `rollup`, the trend and the digest read the same from either.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ResultsStore } from '../../checks/engine/store.ts';
import type { AuditRun } from '../../checks/engine/types.ts';

export function sampleRun(id: string, school: string, started: string, score = 0.5): AuditRun {
  return {
    id,
    school: {
      id: school,
      name: `${school} school`,
      jurisdiction: 'england',
      standards: ['dfe'],
      file: '/x/school.yaml',
    },
    started,
    finished: started.replace(/Z$/, '1Z'),
    asOf: started,
    status: 'complete',
    counts: { pass: 1, fail: 1, error: 0, not_applicable: 0, waived: 1 },
    score,
    findings: [
      {
        checkId: 'directory-password-min-length',
        key: 'directory-password-min-length|directory|domain',
        status: 'fail',
        severity: 'high',
        reason: 'Minimum length 7 is below the 12 the policy asks.',
        evidence: [{ source: 'directory', object: 'domain', expected: '>= 12', actual: '7' }],
        controls: ['PW-LENGTH'],
        clauses: [`${school}:passwords`],
        references: ['CE-UAC'],
        params: { minLength: 12 },
        judgedAgainst: `${school}:passwords`,
      },
      {
        checkId: 'routeros-service-restricted',
        key: 'routeros-service-restricted|core-router|www',
        status: 'waived',
        waivedStatus: 'fail',
        severity: 'medium',
        reason: 'www is enabled from anywhere.',
        evidence: [
          { source: 'core-router', object: 'www', expected: 'disabled', actual: 'enabled' },
          { source: 'core-router', object: 'www', actual: 'address: (any)' },
        ],
        controls: ['FW-MGMT'],
        clauses: [],
        references: [],
        params: {},
        waiver: {
          id: 'W-1',
          reason: 'r',
          approver: 'Business manager',
          granted: '2025-01-01',
          expires: '2099-01-01',
        },
      },
      {
        checkId: 'wifi-ssid-requires-eap',
        key: 'wifi-ssid-requires-eap|core-router|Staff',
        status: 'pass',
        severity: 'high',
        reason: 'Staff uses WPA2-Enterprise.',
        evidence: [{ source: 'core-router', object: 'Staff' }],
        controls: ['WIFI-ENT'],
        clauses: [`${school}:wifi`],
        references: ['DfE:WN-4'],
        params: {},
        personal: 'staff',
      },
    ],
    attestations: [{ clause: `${school}:physical`, who: 'Business manager', every: 'yearly' }],
    warnings: [{ code: 'waiver-unused', subject: 'W-9', message: 'W-9 matches nothing' }],
    effectivePolicy: {
      clauseMap: {
        file: '/x/policy.yaml',
        version: '2025-09',
        clauses: [
          {
            id: `${school}:passwords`,
            section: 'Passwords',
            text: 'Long passwords',
            controls: ['PW-LENGTH'],
          },
        ],
      },
      params: { 'directory-password-min-length': { minLength: 12 } },
      waivers: [
        {
          id: 'W-1',
          check: 'routeros-service-restricted',
          reason: 'r',
          approver: 'Business manager',
          granted: '2025-01-01',
          expires: '2099-01-01',
        },
      ],
    },
    devices: [
      { name: 'core-router', kind: 'router', ok: true, collectedAt: started, ms: 12 },
      {
        name: 'directory',
        kind: 'directory',
        ok: false,
        error: { code: 'E-TIMEOUT', message: 'slow', hint: 'wait' },
        ms: 5000,
      },
    ],
    toolVersion: '0.1.0',
  };
}

export interface StoreFactory {
  /** A fresh, empty store for one test. */
  open(): ResultsStore;
  /** The same store opened again (a new connection or handle). */
  reopen(): ResultsStore;
  cleanup?(): void;
}

export function storeContract(label: string, factory: () => StoreFactory): void {
  describe(`results store (${label})`, () => {
    let f: StoreFactory;
    let store: ResultsStore;
    beforeEach(() => {
      f = factory();
      store = f.open();
    });
    afterEach(() => {
      store.close();
      f.cleanup?.();
    });

    it('gives back exactly the run it was given', () => {
      const run = sampleRun('r1', 'alpha', '2025-11-01T01:30:00.000Z');
      store.beginRun(run);
      store.finishRun(run);
      expect(store.getRun('r1')).toEqual(run);
    });

    it('keeps a begun run incomplete, with no findings, until it is finished', () => {
      const run = sampleRun('r1', 'alpha', '2025-11-01T01:30:00.000Z');
      store.beginRun(run);
      const got = store.getRun('r1');
      expect(got?.status).toBe('incomplete');
      expect(got?.findings).toEqual([]);
      expect(got?.finished).toBeUndefined();
    });

    it('refuses to finish a run that was never begun', () => {
      expect(() => store.finishRun(sampleRun('nope', 'alpha', '2025-11-01T01:30:00.000Z'))).toThrow(
        /never begun/,
      );
    });

    it('finishing twice replaces rather than duplicates', () => {
      const run = sampleRun('r1', 'alpha', '2025-11-01T01:30:00.000Z');
      store.beginRun(run);
      store.finishRun(run);
      store.finishRun(run);
      expect(store.getRun('r1')?.findings).toHaveLength(3);
    });

    it('keeps a school-night’s complete run when a second attempt of that night finishes late', () => {
      // Two attempts of one school-night share its run id (an agent whose job was taken over after a
      // lost heartbeat finishes after the attempt that took over): the first complete result stays.
      const night = '2025-11-01';
      const first = { ...sampleRun('n1', 'alpha', '2025-11-01T01:30:00.000Z', 0.4), night };
      const late = { ...sampleRun('n1', 'alpha', '2025-11-01T01:29:00.000Z', 0), night };
      late.findings = late.findings.slice(0, 1);
      store.beginRun(late);
      store.beginRun(first);
      store.finishRun(first);
      store.beginRun(late);
      store.finishRun(late);
      store.finishRun({ ...late, status: 'incomplete' });
      const kept = store.getRun('n1');
      expect(kept?.status).toBe('complete');
      expect(kept?.score).toBe(0.4);
      expect(kept?.started).toBe(first.started);
      expect(kept?.findings).toHaveLength(3);
      // A run of no particular night is still replaced by a second finish.
      const adhoc = sampleRun('a1', 'alpha', '2025-11-02T01:30:00.000Z', 0.4);
      store.beginRun(adhoc);
      store.finishRun(adhoc);
      store.finishRun({ ...adhoc, score: 0.9 });
      expect(store.getRun('a1')?.score).toBe(0.9);
    });

    it('lists newest first, filters by school, and finds latest and previous complete runs', () => {
      const a1 = sampleRun('a1', 'alpha', '2025-11-01T01:30:00.000Z', 0.4);
      const b1 = sampleRun('b1', 'beta', '2025-11-01T02:30:00.000Z');
      const a2 = sampleRun('a2', 'alpha', '2025-11-02T01:30:00.000Z', 0.6);
      const a3 = sampleRun('a3', 'alpha', '2025-11-03T01:30:00.000Z');
      for (const r of [a1, b1, a2]) {
        store.beginRun(r);
        store.finishRun(r);
      }
      store.beginRun(a3); // never finished: a crash
      expect(store.listRuns().map((r) => r.id)).toEqual(['a3', 'a2', 'b1', 'a1']);
      expect(store.listRuns({ school: 'alpha', limit: 2 }).map((r) => r.id)).toEqual(['a3', 'a2']);
      expect(store.listRuns({ status: 'complete', school: 'alpha' }).map((r) => r.score)).toEqual([0.6, 0.4]);
      expect(store.latestRun('alpha')?.id).toBe('a3');
      // The trend baseline skips the incomplete run.
      expect(store.previousRun('alpha', 'a3')?.id).toBe('a2');
      expect(store.previousRun('alpha', 'a2')?.id).toBe('a1');
      expect(store.previousRun('alpha', 'a1')).toBeUndefined();
      expect(store.latestRun('gamma')).toBeUndefined();
    });

    it('orders runs that started in the same millisecond by insertion', () => {
      const t = '2025-11-01T01:30:00.000Z';
      for (const id of ['x1', 'x2']) {
        const r = sampleRun(id, 'alpha', t);
        store.beginRun(r);
        store.finishRun(r);
      }
      expect(store.latestRun('alpha')?.id).toBe('x2');
      expect(store.previousRun('alpha', 'x2')?.id).toBe('x1');
    });

    it('survives reopening', () => {
      const run = sampleRun('r1', 'alpha', '2025-11-01T01:30:00.000Z');
      store.beginRun(run);
      store.finishRun(run);
      store.close();
      store = f.reopen();
      expect(store.getRun('r1')).toEqual(run);
    });

    it('keeps one run per school and audit night, however often a job begins it', () => {
      const run = sampleRun('20251101N-alpha', 'alpha', '2025-11-01T01:30:00.000Z');
      store.beginRun({ ...run, night: '2025-11-01' });
      // The retried attempt restarts the same run (its start time is the retry's).
      const retried = { ...run, started: '2025-11-01T01:31:00.000Z' };
      store.beginRun({ ...retried, night: '2025-11-01' });
      expect(store.runForNight('alpha', '2025-11-01')).toMatchObject({ status: 'incomplete' });
      store.finishRun(retried);
      // A late duplicate attempt neither reopens the finished run nor adds one.
      store.beginRun({ ...run, started: '2025-11-01T03:00:00.000Z', night: '2025-11-01' });
      expect(store.getRun(run.id)).toEqual(retried);
      expect(store.listRuns({ school: 'alpha' })).toHaveLength(1);
      // A different run id for the same night is refused.
      expect(() =>
        store.beginRun({ ...sampleRun('other', 'alpha', run.started), night: '2025-11-01' }),
      ).toThrow();
      expect(store.runForNight('alpha', '2025-11-02')).toBeUndefined();
      expect(store.runForNight('alpha', '2025-11-01')?.id).toBe(run.id);
    });
  });
}

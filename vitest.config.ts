import { defineConfig } from 'vitest/config';

/**
 * Two tiers (`npm test` runs both; `.ci/run` calls `npm test`):
 * - unit: every `*.test.ts` outside test/, plus test/unit/**. Pure: no testbed, no service
 *   (`npm run test:unit`, seconds).
 * - integration: the rest of test/, against a private testbed (Samba, slapd, snmpd...) that the global
 *   setup starts once for the run on free ports; one file at a time, except the files in PARALLEL
 *   (their own project, two at once), which share nothing they write.
 */
const shared = ['node_modules/**', 'dist/**'];

/**
 * Integration files that bring their own servers (a private PostgreSQL database or cluster, SMTP server,
 * directory, network namespaces) and only read the shared testbed, so two can run at once. Most of their
 * time is spent waiting on real processes (schedules, retries, restarts, the engine), which is what makes
 * them worth overlapping; the rest of the tier runs one file at a time.
 */
const PARALLEL = [
  'test/fleet-*.test.ts',
  'test/schedule-restart.test.ts',
  'test/pulumi-engine.test.ts',
  'test/probe-filtering.test.ts',
  'test/probe-segmentation.test.ts',
  'test/traffic.test.ts',
];

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          // Projects with different worker counts run one after another, in this order.
          sequence: { groupOrder: 0 },
          include: ['**/*.test.ts'],
          // Pure tests share no state (no mocks, no stubbed env), so the files share one module cache per
          // worker: a third of the time. A test that needs isolation belongs under test/.
          isolate: false,
          exclude: [...shared, 'test/*.test.ts', 'test/!(unit)/**'],
        },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/**/*.test.ts'],
          exclude: [...shared, 'test/unit/**', ...PARALLEL],
          globalSetup: ['./test/support/global-setup.ts'],
          setupFiles: ['./test/support/secrets-dir.ts'],
          // One file at a time: many of these share the testbed's directories, switches and mailbox.
          maxWorkers: 1,
          sequence: { groupOrder: 1 },
        },
      },
      {
        extends: true,
        test: {
          name: 'integration-parallel',
          include: PARALLEL,
          globalSetup: ['./test/support/global-setup.ts'],
          setupFiles: ['./test/support/secrets-dir.ts'],
          maxWorkers: 2,
          sequence: { groupOrder: 2 },
        },
      },
    ],
  },
});

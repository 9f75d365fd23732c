import { defineConfig } from 'vitest/config';

/**
 * Two tiers (`npm test` runs both; `.ci/run` calls `npm test`):
 * - unit: every `*.test.ts` outside test/, plus test/unit/**. Pure: no testbed, no service
 *   (`npm run test:unit`, seconds).
 * - integration: the rest of test/, against a private testbed (Samba, slapd, snmpd...) that the global
 *   setup starts once for the run on free ports.
 */
const shared = ['node_modules/**', 'dist/**'];

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
          exclude: [...shared, 'test/unit/**'],
          globalSetup: ['./test/support/global-setup.ts'],
          setupFiles: ['./test/support/secrets-dir.ts'],
        },
      },
    ],
  },
});

import { defineConfig } from 'vitest/config';
export default defineConfig({
  test: { root: '/work/main', include: ['**/*.test.ts'], exclude: ['node_modules/**', 'dist/**'], globalSetup: ['./test/support/dev-gs.tmp.ts'], testTimeout: 60_000, hookTimeout: 60_000, pool: 'forks' },
});

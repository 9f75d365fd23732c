// Temporary local config of the directories helper (deleted before hand-back).
import { defineConfig } from 'vitest/config';
export default defineConfig({
  test: { include: ['**/*.test.ts'], exclude: ['node_modules/**'], globalSetup: ['/tmp/dirdev/dev-setup.ts'], testTimeout: 30_000, hookTimeout: 60_000, pool: 'forks' },
});

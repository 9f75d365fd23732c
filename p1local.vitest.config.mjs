export default { test: { testTimeout: 60_000, hookTimeout: 120_000, pool: 'forks', include: ['test/probe-filtering.test.ts'] } };

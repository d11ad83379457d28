import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'examples/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 30_000,
    // Child processes and loopback servers: keep parallelism within the 2-core budget.
    maxWorkers: 2,
    pool: 'forks',
  },
});

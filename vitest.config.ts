import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'examples/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 30_000,
    // Child processes and loopback servers: keep parallelism within the 2-core budget.
    maxWorkers: 2,
    pool: 'forks',
    // expect.poll waits for real processes and sockets; on a loaded 2-core CI machine 1 s is too tight.
    expect: { poll: { timeout: 10_000, interval: 50 } },
  },
});

import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    setupFiles: ['test/setup.ts'],
    testTimeout: 20_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // Most tests wait on real servers, processes and sockets rather than compute: on a 2-core machine vitest's default
    // (one worker fewer than the cores) runs them one file at a time, and three at once halves the wall time.
    maxWorkers: 3,
    reporters: ['default'],
  },
});

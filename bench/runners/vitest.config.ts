import { defineConfig } from 'vitest/config';

// bench/runners is a benchmark, not a test: it only runs when asked for
// (`npx vitest run --config bench/runners/vitest.config.ts`, or make bench).
export default defineConfig({
  test: {
    root: new URL('../..', import.meta.url).pathname,
    include: ['bench/runners/*.bench.ts'],
    testTimeout: 1_200_000,
    hookTimeout: 600_000,
    reporters: ['default'],
  },
});

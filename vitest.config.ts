import { defineConfig } from 'vitest/config';

// Integration tests start real servers and containers: give them room, run files one at a time
// on our 2-core machines so servers don't starve each other.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 600_000,
    fileParallelism: false,
    reporters: ['default'],
  },
});

import { defineConfig } from 'vitest/config';

// End-to-end tests drive real processes (ffmpeg, the origin, Chromium) on a
// 2-core machine: one file at a time so they do not compete for CPU and skew
// the latency they measure.
export default defineConfig({
  test: {
    include: ['tests/**/*.e2e.test.ts'],
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 60_000,
    reporters: ['default'],
  },
});

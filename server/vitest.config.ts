import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    // The integration test runs real ffmpeg for several seconds.
    testTimeout: 20_000,
  },
});

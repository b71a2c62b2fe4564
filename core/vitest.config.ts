import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts'],
    // The core is DOM-free apart from the dash.js engine, which unit tests replace with FakeEngine.
    environment: 'node',
  },
});

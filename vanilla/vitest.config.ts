import { playwright } from '@vitest/browser-playwright';
import { defaultClientConditions } from 'vite';
import { defineConfig } from 'vitest/config';
import { chromiumArgs, chromiumPath } from '../scripts/chromium.cjs';

export default defineConfig({
  // Tests run against @llstream/core's sources (its FakeEngine included), not its build.
  resolve: { conditions: ['@llstream/source', ...defaultClientConditions] },
  test: {
    projects: [
      {
        extends: true,
        test: {
          name: 'browser',
          include: ['src/**/*.test.ts'],
          exclude: ['src/**/*.server.test.ts'],
          // The element's tests run in real headless Chromium: shadow DOM, focus,
          // keyboard, fullscreen and the accessibility check need a real browser.
          browser: {
            enabled: true,
            headless: true,
            screenshotFailures: false,
            provider: playwright({
              launchOptions: { executablePath: chromiumPath, args: [...chromiumArgs] },
            }),
            instances: [{ browser: 'chromium' }],
          },
        },
      },
      {
        extends: true,
        // Server rendering: the package imported where there is no DOM.
        test: { name: 'server', include: ['src/**/*.server.test.ts'], environment: 'node' },
      },
    ],
  },
});

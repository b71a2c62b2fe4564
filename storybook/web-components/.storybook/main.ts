import type { StorybookConfig } from '@storybook/web-components-vite';
import { llstreamPreviewHead } from '../../shared/storybook-config.ts';

const config: StorybookConfig = {
  stories: ['../stories/*.stories.ts'],
  framework: { name: '@storybook/web-components-vite', options: {} },
  previewHead: llstreamPreviewHead,
  core: { disableTelemetry: true, disableWhatsNewNotifications: true },
};
export default config;

import type { StorybookConfig } from '@storybook/react-vite';
import { llstreamPreviewHead } from '../../shared/storybook-config.ts';

const config: StorybookConfig = {
  stories: ['../stories/*.stories.tsx'],
  framework: { name: '@storybook/react-vite', options: {} },
  previewHead: llstreamPreviewHead,
  core: { disableTelemetry: true, disableWhatsNewNotifications: true },
};
export default config;

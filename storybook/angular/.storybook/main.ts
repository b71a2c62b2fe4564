import type { StorybookConfig } from '@storybook/angular';
import { llstreamPreviewHead } from '../../shared/storybook-config.ts';

// Run through the Angular builders in ../angular.json (ng run storybook-angular:storybook / :build-storybook),
// which compile the stories with this folder's tsconfig.json.
const config: StorybookConfig = {
  stories: ['../stories/*.stories.ts'],
  framework: { name: '@storybook/angular', options: {} },
  previewHead: llstreamPreviewHead,
  core: { disableTelemetry: true, disableWhatsNewNotifications: true },
};
export default config;

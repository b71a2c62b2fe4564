import type { StorybookConfig } from '@storybook/web-components-vite';
import { DEV_PORTS, FRAMEWORKS, llstreamPreviewHead } from '../../shared/storybook-config.ts';

/**
 * The host: composes the three framework Storybooks (`refs`). In dev mode
 * they run on their own ports (`npm run storybook`); in the static build they
 * sit in sub-folders of the host's output (`npm run build-storybook -w @llstream/storybook`).
 */
const config: StorybookConfig = {
  stories: ['../stories/*.stories.ts'],
  framework: { name: '@storybook/web-components-vite', options: {} },
  core: { disableTelemetry: true, disableWhatsNewNotifications: true },
  previewHead: llstreamPreviewHead,
  refs: (_config, { configType }) =>
    Object.fromEntries(
      FRAMEWORKS.map(({ id, title }) => [id, { title, url: configType === 'DEVELOPMENT' ? `http://localhost:${DEV_PORTS[id]}` : `./${id}` }]),
    ),
};
export default config;

import type { Preview } from '@storybook/web-components-vite';
// Registers <ll-player>, as a page using the package does.
import '@llstream/vanilla/define';
import '../story-panel.ts';

const preview: Preview = {
  parameters: { layout: 'padded', controls: { expanded: true } },
};
export default preview;

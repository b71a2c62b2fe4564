import type { Meta, StoryObj } from '@storybook/web-components-vite';
import { html } from 'lit';
import { ORIGIN } from '../../shared/origin.ts';

/** The playground's front page: what is composed here and where the stream comes from. */
const meta = { title: 'Welcome' } satisfies Meta;
export default meta;

export const Playground: StoryObj = {
  render: () => html`<article style="max-width: 720px; font: 15px/1.5 system-ui, sans-serif">
    <h1>llstream playground</h1>
    <p>
      Three Storybooks, one per framework package, composed here: <b>React</b> (<code>@llstream/react</code>), <b>Angular</b>
      (<code>@llstream/angular</code>) and <b>Web components</b> (<code>&lt;ll-player&gt;</code> from <code>@llstream/vanilla</code>).
      Each has the same stories: the default player, target latency and catch-up bounds as controls, a custom UI, the ABR ladder,
      audio and subtitle tracks, offline and error states, and a live panel plotting latency, buffer ahead and playback rate.
    </p>
    <p>
      Every story plays from the origin at <code>${ORIGIN}</code> (set with <code>LLSTREAM_ORIGIN</code> when
      Storybook starts or is built); <code>npm run storybook</code> starts that origin with its test source.
    </p>
  </article>`,
};

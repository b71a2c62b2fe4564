import { LLPlayerComponent } from '@llstream/angular';
import { moduleMetadata, type Meta, type StoryObj } from '@storybook/angular';
import { LATENCY_ARG_TYPES, LATENCY_ARGS } from '../../shared/latency-args';
import { DEMO_SRC } from '../../shared/origin';
import { CustomControlsComponent, LatencyStoryComponent, PlayerPanelComponent } from '../components';

/** `<llstream-player>` and `injectLLPlayer()` playing the origin's demo stream (`LLSTREAM_ORIGIN`). */
const meta: Meta = {
  title: 'Player',
  decorators: [moduleMetadata({ imports: [LLPlayerComponent, PlayerPanelComponent, LatencyStoryComponent, CustomControlsComponent] })],
  args: { src: DEMO_SRC },
};
export default meta;

/** The ready-made component with the default UI (`<ll-player>`'s, with `controls`) and the automatic target latency. */
export const Default: StoryObj = {
  tags: ['playing'],
  render: (args) => ({
    props: args,
    template: `<div style="max-width: 720px"><llstream-player [src]="src" muted autoplay controls /></div>`,
  }),
};

/**
 * A fixed or automatic target latency, with the automatic target's bounds and
 * the catch-up rate bounds, on `injectLLPlayer()` (`<llstream-player>` has an
 * input for the target only). Changing a bound creates a new player (the core
 * reads them once); the target follows without one. The chart shows catch-up
 * at work.
 */
export const TargetLatency: StoryObj<LatencyStoryComponent> = {
  tags: ['playing'],
  args: LATENCY_ARGS,
  argTypes: LATENCY_ARG_TYPES,
  render: (args) => ({
    props: args,
    template: `<sb-latency-story [src]="src" [autoTarget]="autoTarget" [targetLatency]="targetLatency" [minLatency]="minLatency"
      [maxLatency]="maxLatency" [minPlaybackRate]="minPlaybackRate" [maxPlaybackRate]="maxPlaybackRate" />`,
  }),
};

/** Your own UI on `injectLLPlayer()`: a plain `<video>`, buttons and a readout from its signals. */
export const CustomUI: StoryObj = {
  tags: ['playing'],
  render: (args) => ({ props: args, template: `<sb-custom-controls [src]="src" />` }),
};

/** The live panel: live latency, target, buffer ahead and playback rate over the last minute (uPlot). */
export const LivePanel: StoryObj = {
  tags: ['playing'],
  render: (args) => ({ props: args, template: `<sb-player-panel [src]="src" [chart]="true" />` }),
};

import { LLPlayer, useLLPlayer } from '@llstream/react';
import type { Meta, StoryObj } from '@storybook/react-vite';
import { LATENCY_ARG_TYPES, LATENCY_ARGS, type LatencyArgs } from '../../shared/latency-args.ts';
import { DEMO_SRC } from '../../shared/origin.ts';
import { isPlaying, readoutText } from '../../shared/readout.ts';
import { PlayerWithPanel } from '../components.tsx';

/** `<LLPlayer>` and `useLLPlayer()` playing the origin's demo stream (`LLSTREAM_ORIGIN`). */
const meta = {
  title: 'Player',
  component: LLPlayer,
  args: { src: DEMO_SRC, muted: true, autoPlay: true, controls: true },
  decorators: [(Story) => <div style={{ maxWidth: 720 }}>{Story()}</div>],
} satisfies Meta<typeof LLPlayer>;
export default meta;
type Story = StoryObj<typeof meta>;

/** The ready-made player with its default overlay and the automatic target latency. */
export const Default: Story = { tags: ['playing'] };

/**
 * A fixed or automatic target latency, with the automatic target's bounds and
 * the playback-rate bounds of catch-up. Changing a bound creates a new player
 * (the core reads them once); the target follows without one. The chart shows
 * catch-up at work.
 */
export const TargetLatency: StoryObj<LatencyArgs> = {
  tags: ['playing'],
  args: LATENCY_ARGS,
  argTypes: LATENCY_ARG_TYPES,
  render: ({ autoTarget, targetLatency, ...bounds }) => (
    <PlayerWithPanel
      key={JSON.stringify(bounds)}
      src={DEMO_SRC}
      muted
      autoPlay
      controls
      targetLatency={autoTarget ? null : targetLatency}
      {...bounds}
      chart
    />
  ),
};

function CustomControls() {
  const { ref, state, player } = useLLPlayer({ src: DEMO_SRC, muted: true, autoPlay: true });
  const playing = isPlaying(state);
  return (
    <figure style={{ margin: 0, display: 'grid', gap: 8 }}>
      <video ref={ref} playsInline style={{ width: '100%', aspectRatio: '16 / 9', background: '#000' }} />
      <figcaption style={{ display: 'flex', gap: 8, alignItems: 'center' }}>
        <button type="button" onClick={() => (playing ? player?.pause() : player?.play())}>
          {playing ? 'Pause' : 'Play'}
        </button>
        <button type="button" onClick={() => player?.seekToLive()}>
          Go live
        </button>
        <output>{readoutText(state)}</output>
      </figcaption>
    </figure>
  );
}

/** Your own UI on `useLLPlayer()`: a plain `<video>`, buttons and a readout from the hook's state. */
export const CustomUI: Story = { tags: ['playing'], render: () => <CustomControls /> };

/** The live panel: live latency, target, buffer ahead and playback rate over the last minute (uPlot). */
export const LivePanel: Story = { tags: ['playing'], render: (args) => <PlayerWithPanel {...args} chart /> };

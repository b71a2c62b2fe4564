import { LLPlayer } from '@llstream/react';
import type { Meta, StoryObj } from '@storybook/react-vite';
import { DEMO_SRC } from '../../shared/origin.ts';
import { sampleTracksEngine } from '../../shared/sample-tracks-engine.ts';
import { PlayerWithPanel } from '../components.tsx';

/** Renditions, audio and subtitle tracks: the pickers of the default overlay, and the same choices outside it. */
const meta = {
  title: 'Tracks',
  component: PlayerWithPanel,
  args: { src: DEMO_SRC, muted: true, autoPlay: true, controls: true },
} satisfies Meta<typeof LLPlayer>;
export default meta;
type Story = StoryObj<typeof meta>;

/** The ABR ladder (the demo's 4 renditions): "Auto" lets adaptive bitrate choose; a rung fixes it. */
export const AbrLadder: Story = { tags: ['playing'], args: { pickers: ['quality'] } };

/**
 * The live stream's audio and subtitle tracks. The demo stream has one audio
 * track (so no audio picker) and one subtitle track; see "Sample Tracks" for
 * a stream with two audio tracks.
 */
export const AudioAndSubtitles: Story = { tags: ['playing'], args: { pickers: ['audio', 'text'] } };

/**
 * Not the live stream: a scripted engine (`FakeEngine` with `SAMPLE_TRACKS`
 * from `@llstream/core/testing`) offering two renditions, two audio tracks
 * and subtitles, because the demo stream has only one audio track. No video plays.
 */
export const SampleTracks: Story = {
  tags: ['sample-tracks'],
  args: { src: 'sample-tracks.mpd', pickers: ['quality', 'audio', 'text'] },
  render: (args) => <PlayerWithPanel {...args} engine={sampleTracksEngine} />,
};

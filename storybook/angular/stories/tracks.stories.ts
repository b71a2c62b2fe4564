import { moduleMetadata, type Meta, type StoryObj } from '@storybook/angular';
import { DEMO_SRC } from '../../shared/origin';
import { sampleTracksEngine } from '../../shared/sample-tracks-engine';
import { PlayerPanelComponent } from '../components';

/** Renditions, audio and subtitle tracks: the menus of the default UI, and the same choices outside it. */
const meta: Meta<PlayerPanelComponent> = {
  title: 'Tracks',
  decorators: [moduleMetadata({ imports: [PlayerPanelComponent] })],
  args: { src: DEMO_SRC },
  render: (args) => ({ props: args, template: `<sb-player-panel [src]="src" [engine]="engine" [pickers]="pickers" />` }),
};
export default meta;
type Story = StoryObj<PlayerPanelComponent>;

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
  // Storybook drops function-valued args before they reach an Angular story, so the engine goes in here.
  render: (args) => ({ props: { ...args, engine: sampleTracksEngine }, template: `<sb-player-panel [src]="src" [engine]="engine" [pickers]="pickers" />` }),
};

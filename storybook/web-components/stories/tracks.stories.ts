import type { LLPlayerElement } from '@llstream/vanilla';
import type { Meta, StoryObj } from '@storybook/web-components-vite';
import { html } from 'lit';
import { ref } from 'lit/directives/ref.js';
import { DEMO_SRC } from '../../shared/origin.ts';
import { sampleTracksEngine } from '../../shared/sample-tracks-engine.ts';

/** Renditions, audio and subtitle tracks: the menus of the default UI, and the same choices outside it. */
const meta = {
  title: 'Tracks',
  component: 'll-player',
  decorators: [(story) => html`<div style="max-width: 720px">${story()}</div>`],
} satisfies Meta;
export default meta;

/** The ABR ladder (the demo's 4 renditions): "Auto" lets adaptive bitrate choose; a rung fixes it. */
export const AbrLadder: StoryObj = {
  tags: ['playing'],
  render: () => html`<ll-player src=${DEMO_SRC} muted autoplay controls></ll-player><ll-story-panel pickers="quality"></ll-story-panel>`,
};

/**
 * The live stream's audio and subtitle tracks. The demo stream has one audio
 * track (so no audio picker) and one subtitle track; see "Sample Tracks" for
 * a stream with two audio tracks.
 */
export const AudioAndSubtitles: StoryObj = {
  tags: ['playing'],
  render: () => html`<ll-player src=${DEMO_SRC} muted autoplay controls></ll-player><ll-story-panel pickers="audio text"></ll-story-panel>`,
};

/** Sets the element's `engineFactory` before it connects (a ref callback runs before the element is attached). */
const useSampleTracks = (element: Element | undefined) => {
  if (element) (element as LLPlayerElement).engineFactory = sampleTracksEngine;
};

/**
 * Not the live stream: a scripted engine (`FakeEngine` with `SAMPLE_TRACKS`
 * from `@llstream/core/testing`) offering two renditions, two audio tracks
 * and subtitles, because the demo stream has only one audio track. No video plays.
 */
export const SampleTracks: StoryObj = {
  tags: ['sample-tracks'],
  render: () =>
    html`<ll-player ${ref(useSampleTracks)} src="sample-tracks.mpd" muted autoplay controls></ll-player>
      <ll-story-panel pickers="quality audio text"></ll-story-panel>`,
};

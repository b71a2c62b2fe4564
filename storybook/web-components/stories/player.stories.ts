import type { PlayerSnapshot } from '@llstream/core';
import type { LLPlayerElement } from '@llstream/vanilla';
import type { Meta, StoryObj } from '@storybook/web-components-vite';
import { html, nothing } from 'lit';
import { keyed } from 'lit/directives/keyed.js';
import { createRef, ref } from 'lit/directives/ref.js';
import { LATENCY_ARG_TYPES, LATENCY_ARGS, type LatencyArgs } from '../../shared/latency-args.ts';
import { DEMO_SRC } from '../../shared/origin.ts';
import { isPlaying, readoutText } from '../../shared/readout.ts';

/** `<ll-player>` from `@llstream/vanilla` playing the origin's demo stream (`LLSTREAM_ORIGIN`). */
const meta = {
  title: 'Player',
  component: 'll-player',
  decorators: [(story) => html`<div style="max-width: 720px">${story()}</div>`],
} satisfies Meta;
export default meta;

/** The element with its default UI (`controls`) and the automatic target latency. */
export const Default: StoryObj = {
  tags: ['playing'],
  render: () => html`<ll-player src=${DEMO_SRC} muted autoplay controls></ll-player>`,
};

/**
 * A fixed target latency (the `target-latency` attribute, seconds) or the
 * automatic one, with the automatic target's bounds and the catch-up's
 * playback-rate bounds through the element's `playerOptions` (read when its
 * player is created: each change renders a new element).
 */
export const TargetLatency: StoryObj<LatencyArgs> = {
  tags: ['playing'],
  args: LATENCY_ARGS,
  argTypes: LATENCY_ARG_TYPES,
  render: ({ autoTarget, targetLatency, ...bounds }) =>
    html`${keyed(
      JSON.stringify(bounds),
      html`<ll-player src=${DEMO_SRC} muted autoplay controls target-latency=${autoTarget ? nothing : targetLatency} .playerOptions=${bounds}></ll-player>
        <ll-story-panel chart></ll-story-panel>`,
    )}`,
};

/**
 * Your own UI on the element API: `<ll-player>` without `controls` (only the
 * video and the status line), driven by `play()`, `pause()`, `seekToLive()`
 * and its `statechange` event.
 */
export const CustomUI: StoryObj = {
  tags: ['playing'],
  render: () => {
    const player = createRef<LLPlayerElement>();
    const toggle = createRef<HTMLButtonElement>();
    const readout = createRef<HTMLOutputElement>();
    const onState = (event: CustomEvent<PlayerSnapshot>) => {
      toggle.value!.textContent = isPlaying(event.detail) ? 'Pause' : 'Play';
      readout.value!.textContent = readoutText(event.detail);
    };
    return html`<ll-player ${ref(player)} src=${DEMO_SRC} muted autoplay @statechange=${onState}></ll-player>
      <div style="display: flex; gap: 8px; align-items: center; margin-top: 8px">
        <button ${ref(toggle)} type="button" @click=${() => (player.value?.paused ? player.value.play() : player.value?.pause())}>Play</button>
        <button type="button" @click=${() => player.value?.seekToLive()}>Go live</button>
        <output ${ref(readout)}></output>
      </div>`;
  },
};

/** The live panel: live latency, target, buffer ahead and playback rate over the last minute (uPlot). */
export const LivePanel: StoryObj = {
  tags: ['playing'],
  render: () => html`<ll-player src=${DEMO_SRC} muted autoplay controls></ll-player><ll-story-panel chart></ll-story-panel>`,
};

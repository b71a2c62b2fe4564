import type { Meta, StoryObj } from '@storybook/web-components-vite';
import { html } from 'lit';
import { MISSING_SRC, UNREACHABLE_SRC } from '../../shared/origin.ts';

/** What the element shows when there is nothing to play. It keeps watching and plays once the stream is there. */
const meta = {
  title: 'States',
  component: 'll-player',
  decorators: [(story) => html`<div style="max-width: 720px">${story()}</div>`],
} satisfies Meta;
export default meta;

/** A stream name the origin does not have. */
export const MissingStream: StoryObj = {
  tags: ['fails'],
  render: () => html`<ll-player src=${MISSING_SRC} muted autoplay controls></ll-player>`,
};

/** An origin that refuses connections. */
export const UnreachableOrigin: StoryObj = {
  tags: ['fails'],
  render: () => html`<ll-player src=${UNREACHABLE_SRC} muted autoplay controls></ll-player>`,
};

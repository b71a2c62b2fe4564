import { LLPlayer } from '@llstream/react';
import type { Meta, StoryObj } from '@storybook/react-vite';
import { MISSING_SRC, UNREACHABLE_SRC } from '../../shared/origin.ts';

/** What the player shows when there is nothing to play. It keeps watching and plays once the stream is there. */
const meta = {
  title: 'States',
  component: LLPlayer,
  args: { muted: true, autoPlay: true, controls: true },
  decorators: [(Story) => <div style={{ maxWidth: 720 }}>{Story()}</div>],
} satisfies Meta<typeof LLPlayer>;
export default meta;
type Story = StoryObj<typeof meta>;

/** A stream name the origin does not have. */
export const MissingStream: Story = { tags: ['fails'], args: { src: MISSING_SRC } };

/** An origin that refuses connections. */
export const UnreachableOrigin: Story = { tags: ['fails'], args: { src: UNREACHABLE_SRC } };

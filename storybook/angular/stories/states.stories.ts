import { LLPlayerComponent } from '@llstream/angular';
import { moduleMetadata, type Meta, type StoryObj } from '@storybook/angular';
import { MISSING_SRC, UNREACHABLE_SRC } from '../../shared/origin';

/** What the player shows when there is nothing to play. It keeps watching and plays once the stream is there. */
const meta: Meta = {
  title: 'States',
  decorators: [moduleMetadata({ imports: [LLPlayerComponent] })],
  render: (args) => ({ props: args, template: `<div style="max-width: 720px"><llstream-player [src]="src" muted autoplay controls /></div>` }),
};
export default meta;

/** A stream name the origin does not have. */
export const MissingStream: StoryObj = { tags: ['fails'], args: { src: MISSING_SRC } };

/** An origin that refuses connections. */
export const UnreachableOrigin: StoryObj = { tags: ['fails'], args: { src: UNREACHABLE_SRC } };

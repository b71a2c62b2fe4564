import type { Player, PlayerSnapshot } from '@llstream/core';
import { overlayState, type OverlayPicker } from '@llstream/core/ui';

/** Which of the player's choices a picker sets. */
export type PickerKind = 'quality' | 'audio' | 'text';

/** A picker as the stories render it: a `<select>` whose option values are indices into `picker.options`. */
export interface StoryPicker {
  readonly kind: PickerKind;
  /** What the `<select>` is labelled, e.g. `"Rendition"`. */
  readonly label: string;
  readonly picker: OverlayPicker;
}

const LABELS: Record<PickerKind, string> = { quality: 'Rendition', audio: 'Audio track', text: 'Subtitles' };

/**
 * The pickers to show for `snapshot` (the same entries the default overlays
 * offer, from `overlayState()`), limited to `kinds`; a kind the stream offers
 * no choice for is left out.
 */
export function storyPickers(snapshot: PlayerSnapshot, kinds: readonly PickerKind[]): StoryPicker[] {
  const state = overlayState(snapshot);
  return kinds.flatMap((kind) => {
    const picker = state[kind];
    return picker ? [{ kind, label: LABELS[kind], picker }] : [];
  });
}

/** The `<select>` value of the chosen entry (its index), `''` when none is chosen. */
export function selectedValue(picker: OverlayPicker): string {
  const index = picker.options.findIndex((option) => option.id === picker.selected);
  return index < 0 ? '' : String(index);
}

/**
 * Applies the entry at `value` (a `<select>` value from {@link storyPickers})
 * to the player: `setQuality`, `setAudioTrack` or `setTextTrack`.
 */
export function applyPick(player: Pick<Player<unknown>, 'setQuality' | 'setAudioTrack' | 'setTextTrack'>, choice: StoryPicker, value: string): void {
  const option = choice.picker.options[Number(value)];
  if (!option) return;
  if (choice.kind === 'text') player.setTextTrack(option.id);
  else if (option.id !== null) (choice.kind === 'quality' ? player.setQuality(option.id) : player.setAudioTrack(option.id));
}

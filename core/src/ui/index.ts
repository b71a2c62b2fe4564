/**
 * `@llstream/core/ui`: what the adapters' default overlays show for a player
 * snapshot (latency readout, status line, "Go live", rendition, audio and
 * subtitle pickers), as plain data, so `<ll-player>`, `<LLPlayer>` and the
 * Angular component agree. Separate from the main entry: a page that brings
 * its own UI does not load it.
 *
 * @packageDocumentation
 */
export {
  BEHIND_LIVE_MARGIN,
  goLive,
  overlayState,
  type OverlayOption,
  type OverlayPicker,
  type OverlayState,
} from './overlay-state.js';

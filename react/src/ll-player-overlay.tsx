import type { Player, PlayerSnapshot } from '@llstream/core';
import { goLive, overlayState, type OverlayPicker } from '@llstream/core/ui';
import { useMemo, type CSSProperties } from 'react';

/** Props of {@link LLPlayerOverlay}. */
export interface LLPlayerOverlayProps {
  /** The snapshot to show (`state` from `useLLPlayer`). */
  state: PlayerSnapshot;
  /** The player the controls act on; `null` (server, before mount) leaves them inert. */
  player: Player<unknown> | null;
}

// Readable over any picture: white on translucent black, tabular digits so the readout does not jitter.
const box: CSSProperties = {
  position: 'absolute',
  padding: '2px 8px',
  borderRadius: 4,
  background: 'var(--ll-player-overlay-background, rgb(0 0 0 / 0.65))',
  color: 'var(--ll-player-overlay-color, #fff)',
  font: 'var(--ll-player-font, 500 13px/1.4 system-ui, sans-serif)',
  textShadow: '0 1px 1px #000',
  fontVariantNumeric: 'tabular-nums',
};
// Below the test pattern's capture-time strip (the top 32 of 720 rows), which stays readable.
const belowStrip = 'calc(100% * 32 / 720 + 6px)';
const latencyStyle: CSSProperties = { ...box, top: belowStrip, right: 8, pointerEvents: 'none' };
const statusStyle: CSSProperties = { ...box, left: '50%', top: '50%', transform: 'translate(-50%, -50%)', fontSize: '1.2em', pointerEvents: 'none' };
// Under the readout, on the right: the test pattern's burned-in clock sits top left.
const barStyle: CSSProperties = { ...box, top: `calc(${belowStrip} + 2.2em)`, right: 8, display: 'flex', gap: 8, alignItems: 'center', padding: 4 };
const controlStyle: CSSProperties = { font: 'inherit', color: '#000', background: '#fff', border: 0, borderRadius: 3, padding: '1px 6px' };

function Picker({ label, picker, onSelect }: { label: string; picker: OverlayPicker; onSelect: (id: string | null) => void }) {
  return (
    <label style={{ display: 'flex', gap: 4, alignItems: 'center' }}>
      {label}
      <select
        className="ll-player__picker"
        style={controlStyle}
        value={picker.selected ?? ''}
        onChange={(event) => onSelect(event.target.value === '' ? null : event.target.value)}
      >
        {picker.options.map((option) => (
          <option key={option.id ?? ''} value={option.id ?? ''}>
            {option.label}
          </option>
        ))}
      </select>
    </label>
  );
}

/**
 * The default overlay of `<LLPlayer>`: the latency readout, a status line
 * (loading, buffering, paused, offline, error), "Go live" when playback is
 * behind the live edge, and rendition, audio and subtitle pickers when the
 * stream offers a choice. What it shows comes from `overlayState()` in
 * `@llstream/core`; the controls are native buttons and selects, so they have
 * accessible names and work from the keyboard.
 *
 * Styling hooks: class names `ll-player__latency`, `ll-player__status`,
 * `ll-player__controls`, `ll-player__go-live`, `ll-player__picker`; custom
 * properties `--ll-player-overlay-background`, `--ll-player-overlay-color`,
 * `--ll-player-font`.
 */
export function LLPlayerOverlay({ state, player }: LLPlayerOverlayProps) {
  const overlay = useMemo(() => overlayState(state), [state]);
  const hasControls = overlay.behindLive || overlay.quality || overlay.audio || overlay.text;
  return (
    <>
      {hasControls && (
        <div className="ll-player__controls" role="group" aria-label="Player controls" style={barStyle}>
          {overlay.behindLive && (
            <button type="button" className="ll-player__go-live" style={controlStyle} disabled={!player} onClick={() => player && goLive(player)}>
              Go live
            </button>
          )}
          {overlay.quality && <Picker label="Quality" picker={overlay.quality} onSelect={(id) => player?.setQuality(id ?? 'auto')} />}
          {overlay.audio && <Picker label="Audio" picker={overlay.audio} onSelect={(id) => id && player?.setAudioTrack(id)} />}
          {overlay.text && <Picker label="Subtitles" picker={overlay.text} onSelect={(id) => player?.setTextTrack(id)} />}
        </div>
      )}
      <div className="ll-player__latency" aria-live="off" style={latencyStyle}>
        {overlay.latencyText}
      </div>
      {/* The live region stays in the document so that assistive technology announces each new status. */}
      <div className="ll-player__status" role="status" style={{ position: 'absolute', inset: 0, pointerEvents: 'none' }}>
        {overlay.statusText && <span style={statusStyle}>{overlay.statusText}</span>}
      </div>
    </>
  );
}

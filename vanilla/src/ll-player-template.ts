/**
 * The shadow DOM of `<ll-player>`, the one default UI of every llstream
 * adapter (React's `<LLPlayer>` and Angular's `<llstream-player>` render this
 * element): the video, the latency readout, the status line with its retry
 * button, the control bar, and a slot for the page's own overlay. Every piece
 * is a `part` (see the element's `@csspart` list) and takes its colours from
 * `--ll-player-*` custom properties.
 */

// Icons: 24 x 24 viewBox paths, drawn with currentColor.
const ICONS = {
  play: 'M8 5v14l11-7z',
  pause: 'M6 5h4v14H6zm8 0h4v14h-4z',
  volume: 'M3 9v6h4l5 5V4L7 9H3zm13.5 3a4.5 4.5 0 0 0-2.5-4v8a4.5 4.5 0 0 0 2.5-4z',
  muted: 'M3 9v6h4l5 5V4L7 9H3zm13.6 3 2.7-2.7-1.4-1.4-2.7 2.7-2.7-2.7-1.4 1.4 2.7 2.7-2.7 2.7 1.4 1.4 2.7-2.7 2.7 2.7 1.4-1.4z',
  pip: 'M19 7h-8v6h8V7zm2-4H3a2 2 0 0 0-2 2v14a2 2 0 0 0 2 2h18a2 2 0 0 0 2-2V5a2 2 0 0 0-2-2zm0 16H3V5h18v14z',
  fullscreen: 'M7 14H5v5h5v-2H7v-3zm-2-4h2V7h3V5H5v5zm12 7h-3v2h5v-5h-2v3zM14 5v2h3v3h2V5h-5z',
  exitFullscreen: 'M5 16h3v3h2v-5H5v2zm3-8H5v2h5V5H8v3zm6 11h2v-3h3v-2h-5v5zm2-11V5h-2v5h5V8h-3z',
} as const;

/** The inline SVG for `name`, hidden from assistive technology (the button carries the name). */
export function icon(name: keyof typeof ICONS): string {
  return `<svg viewBox="0 0 24 24" aria-hidden="true" focusable="false"><path d="${ICONS[name]}"/></svg>`;
}

// The latency readout sits top right; a page whose pictures carry something
// there moves it with ::part(latency). The control bar fades out after
// USER_INACTIVE_MS without the pointer or keyboard while playing
// ([user-inactive] on the host). Comments stay out of the CSS text: it ships
// as a string, unminified.
const STYLES = `
:host {
  display: block;
  position: relative;
  aspect-ratio: var(--ll-player-aspect-ratio, 16 / 9);
  overflow: hidden;
  background: var(--ll-player-background, #000);
  color: var(--ll-player-color, #fff);
  font: var(--ll-player-font, 500 13px/1.4 system-ui, sans-serif);
  --_accent: var(--ll-player-accent, #e8413c);
  --_focus: var(--ll-player-focus-ring, #4da3ff);
  --_panel: var(--ll-player-overlay-background, rgb(0 0 0 / 0.65));
}
:host([hidden]) { display: none; }
video { display: block; width: 100%; height: 100%; object-fit: contain; }
.panel {
  position: absolute;
  padding: 2px 8px;
  border-radius: 4px;
  background: var(--_panel);
  text-shadow: 0 1px 1px #000;
  font-variant-numeric: tabular-nums;
}
[part='latency'] { top: 8px; right: 8px; pointer-events: none; }
[part='status'] {
  left: 50%; top: 50%; transform: translate(-50%, -50%);
  display: flex; flex-direction: column; align-items: center; gap: 8px;
  max-width: 80%; text-align: center; font-size: 1.15em;
}
[part='status'][data-empty] { display: none; }
[part~='controls'] {
  position: absolute; left: 0; right: 0; bottom: 0;
  display: flex; align-items: center; gap: 4px;
  padding: 24px 8px 6px;
  background: linear-gradient(transparent, rgb(0 0 0 / 0.7));
  transition: opacity 0.25s;
}
:host([user-inactive]) { cursor: none; }
:host([user-inactive]) [part~='controls'] { opacity: 0; pointer-events: none; }
:host(:not([controls])) [part~='controls'], :host(:not([controls])) [part='latency'] { display: none; }
.spacer { flex: 1; }
button, select, input { font: inherit; color: inherit; }
button {
  display: inline-flex; align-items: center; justify-content: center; gap: 4px;
  min-width: 32px; height: 32px; padding: 0 6px;
  border: 0; border-radius: 4px; background: transparent; cursor: pointer;
}
button:hover, select:hover { background: rgb(255 255 255 / 0.15); }
svg { width: 22px; height: 22px; fill: currentColor; }
select {
  height: 28px; max-width: 11em; padding: 0 4px;
  border: 1px solid rgb(255 255 255 / 0.35); border-radius: 4px; background: var(--_panel);
}
option { color: #000; }
input[type='range'] { width: 72px; accent-color: var(--_accent); }
[part~='live-button'] { font-weight: 700; }
[part~='live-button']::before {
  content: ''; width: 8px; height: 8px; border-radius: 50%; background: var(--_accent);
}
[part~='live-button'][data-behind]::before { background: currentColor; opacity: 0.6; }
[part~='retry-button'] { border: 1px solid currentColor; padding: 0 12px; }
:focus-visible { outline: 2px solid var(--_focus); outline-offset: 2px; }
[hidden] { display: none !important; }
`;

/** Creates the shadow root's content (styles once per element: a few hundred bytes). */
export function createTemplate(): HTMLTemplateElement {
  const template = document.createElement('template');
  template.innerHTML = `
<style>${STYLES}</style>
<video part="video" playsinline></video>
<div class="panel" part="latency" aria-live="off"></div>
<div class="panel" part="status" role="status" data-empty>
  <span part="status-text"></span>
  <button type="button" part="retry-button" hidden>Retry</button>
</div>
<div part="controls" role="toolbar" aria-label="Player controls">
  <button type="button" part="play-button" aria-label="Play">${icon('play')}</button>
  <button type="button" part="mute-button" aria-label="Mute">${icon('volume')}</button>
  <input part="volume" type="range" min="0" max="1" step="0.05" value="1" aria-label="Volume">
  <button type="button" part="live-button" hidden>Live</button>
  <span class="spacer"></span>
  <select part="quality-menu" aria-label="Quality" hidden></select>
  <select part="audio-menu" aria-label="Audio track" hidden></select>
  <select part="text-menu" aria-label="Subtitles" hidden></select>
  <button type="button" part="pip-button" aria-label="Picture in picture" hidden>${icon('pip')}</button>
  <button type="button" part="fullscreen-button" aria-label="Full screen">${icon('fullscreen')}</button>
</div>
<slot></slot>`;
  return template;
}

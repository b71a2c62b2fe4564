/** Text the demo page shows when the `<ll-player>` bundle has not been built. */
export const BUNDLE_MISSING_MESSAGE = 'player bundle not built: run npm run build';

/** Options of {@link renderDemoPage}. */
export interface DemoPageOptions {
  /** Whether `/assets/ll-player.js` can be served. */
  bundleAvailable: boolean;
}

/**
 * The demo page: `<ll-player>` next to a wall clock (UTC, to the
 * millisecond, redrawn every animation frame) so a person can compare it
 * with the time burned into the test pattern, plus the player's latency,
 * target and status from its events. Query parameters: `src` (manifest URL,
 * default `/live/demo/manifest.mpd`) and `targetLatency` (seconds).
 * Plain HTML, CSS and a module script; no framework.
 */
export function renderDemoPage(options: DemoPageOptions): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>llstream · live demo</title>
<link rel="icon" href="data:,">
<style>
  :root {
    color-scheme: dark;
    --bg: #0d1117; --panel: #161b22; --line: #30363d; --text: #e6edf3; --muted: #8b949e;
    --accent: #58a6ff; --good: #3fb950; --warn: #d29922; --bad: #f85149;
    --mono: ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace;
  }
  * { box-sizing: border-box; }
  body { margin: 0; min-height: 100vh; background: var(--bg); color: var(--text);
    font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
  header { display: flex; flex-wrap: wrap; align-items: baseline; gap: .25rem 1rem;
    padding: 1rem clamp(1rem, 3vw, 2rem); border-bottom: 1px solid var(--line); }
  header h1 { margin: 0; font-size: 1.25rem; font-weight: 600; }
  header code { color: var(--muted); font: .875rem var(--mono); overflow-wrap: anywhere; }
  main { display: grid; grid-template-columns: minmax(0, 5fr) minmax(20rem, 2fr); gap: clamp(1rem, 2vw, 1.5rem);
    padding: clamp(1rem, 3vw, 2rem); align-items: start; }
  @media (max-width: 60rem) { main { grid-template-columns: minmax(0, 1fr); } }
  .video { background: #000; border: 1px solid var(--line); border-radius: .5rem; overflow: hidden; }
  ll-player { display: block; width: 100%; aspect-ratio: 16 / 9; }
  /* The test pattern's capture-time strip is the top 32 of its 720 rows: the readout goes below it. */
  ll-player::part(latency) { top: calc(100% * 32 / 720 + 6px); }
  .placeholder { display: grid; place-items: center; aspect-ratio: 16 / 9; color: var(--muted); padding: 1rem; text-align: center; }
  .panel { background: var(--panel); border: 1px solid var(--line); border-radius: .5rem; padding: 1.25rem;
    container-type: inline-size; }
  .label { margin: 0; color: var(--muted); font-size: .75rem; letter-spacing: .08em; text-transform: uppercase; }
  /* 12 monospace characters fill the panel's width. */
  .clock { margin: .25rem 0 1.25rem; font: 700 min(13.5cqi, 4.5rem)/1.1 var(--mono);
    font-variant-numeric: tabular-nums; letter-spacing: -.02em; white-space: nowrap; }
  dl { display: grid; grid-template-columns: auto 1fr; gap: .5rem 1rem; margin: 0; }
  dt { color: var(--muted); }
  dd { margin: 0; text-align: right; font-family: var(--mono); font-variant-numeric: tabular-nums; }
  dd.big { font-size: 1.5rem; font-weight: 700; color: var(--accent); }
  .status-playing { color: var(--good); }
  .status-stalled, .status-waiting, .status-loading { color: var(--warn); }
  .status-error { color: var(--bad); }
  .error { margin: 1rem 0 0; padding: .75rem 1rem; border: 1px solid var(--bad); border-radius: .5rem;
    color: var(--bad); background: rgb(248 81 73 / .08); font-family: var(--mono); font-size: .9rem; }
  .hint { margin: 1.25rem 0 0; color: var(--muted); font-size: .875rem; }
  footer { padding: 0 clamp(1rem, 3vw, 2rem) 2rem; color: var(--muted); font-size: .875rem; }
  footer code { font-family: var(--mono); color: var(--text); }
</style>
</head>
<body data-bundle="${options.bundleAvailable ? 'available' : 'missing'}">
<header>
  <h1>llstream · live demo</h1>
  <code id="source"></code>
</header>
<main>
  <section>
    <div class="video" id="video"><div class="placeholder" id="placeholder">loading player…</div></div>
    <div id="errors"></div>
  </section>
  <aside class="panel" aria-label="Clock and player state">
    <p class="label">Wall clock (UTC)</p>
    <div class="clock" id="clock" aria-live="off">--:--:--.---</div>
    <dl>
      <dt>Live latency</dt><dd class="big" id="latency">–</dd>
      <dt>Target latency</dt><dd id="target">–</dd>
      <dt>Status</dt><dd id="status">–</dd>
      <dt>Buffer ahead</dt><dd id="buffer">–</dd>
      <dt>Playback rate</dt><dd id="rate">–</dd>
      <dt>Stalls</dt><dd id="stalls">–</dd>
    </dl>
    <p class="hint">The clock minus the time burned into the picture is the glass-to-glass latency.</p>
  </aside>
</main>
<footer>Query parameters: <code>?src=</code>manifest URL, <code>&amp;targetLatency=</code>seconds.</footer>
<script type="module">
  const $ = (id) => document.getElementById(id);
  const showError = (text) => {
    const p = document.createElement('p');
    p.className = 'error';
    p.textContent = text;
    $('errors').append(p);
  };
  const seconds = (value, digits = 3) =>
    typeof value === 'number' && Number.isFinite(value) ? value.toFixed(digits) + ' s' : '–';

  const clock = $('clock');
  const tick = () => {
    clock.textContent = new Date().toISOString().slice(11, 23);
    requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);

  const params = new URLSearchParams(location.search);
  const src = params.get('src') || '/live/demo/manifest.mpd';
  $('source').textContent = src;
  let targetLatency;
  const targetParam = params.get('targetLatency');
  if (targetParam !== null) {
    const value = Number(targetParam);
    if (targetParam.trim() === '' || !Number.isFinite(value) || value <= 0 || value > 60) {
      showError('targetLatency must be a number of seconds above 0 and at most 60, got "' + targetParam +
        '"; playing with the player\\'s default target.');
    } else {
      targetLatency = value;
    }
  }

  const render = (state) => {
    if (!state) return;
    if ('liveLatency' in state) $('latency').textContent = seconds(state.liveLatency);
    if ('targetLatency' in state) $('target').textContent = seconds(state.targetLatency, 2);
    if ('status' in state) {
      $('status').textContent = String(state.status);
      $('status').className = 'status-' + String(state.status);
    }
    if ('bufferAhead' in state) $('buffer').textContent = seconds(state.bufferAhead, 2);
    if ('playbackRate' in state && typeof state.playbackRate === 'number') $('rate').textContent = state.playbackRate.toFixed(2) + '×';
    if ('stallCount' in state) $('stalls').textContent = String(state.stallCount);
  };

  const mount = () => {
    const player = document.createElement('ll-player');
    player.setAttribute('src', src);
    if (targetLatency !== undefined) player.setAttribute('target-latency', String(targetLatency));
    for (const flag of ['muted', 'autoplay', 'controls']) player.setAttribute(flag, '');
    player.addEventListener('statechange', (event) => render(event.detail));
    player.addEventListener('latencychange', (event) => render(event.detail));
    player.addEventListener('error', (event) => {
      const detail = event.detail;
      showError('player error: ' + (detail && detail.message ? detail.message : String(detail)));
    });
    $('placeholder').replaceWith(player);
  };

  if (document.body.dataset.bundle === 'missing') {
    $('placeholder').textContent = ${JSON.stringify(BUNDLE_MISSING_MESSAGE)};
    showError(${JSON.stringify(BUNDLE_MISSING_MESSAGE)});
  } else {
    import('/assets/ll-player.js').then(mount, (error) => {
      $('placeholder').textContent = 'player failed to load';
      showError('could not load /assets/ll-player.js: ' + error.message);
    });
  }
</script>
</body>
</html>
`;
}

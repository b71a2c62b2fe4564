import {
  assertTargetLatency,
  createPlayer,
  type EngineFactory,
  type LatencyChange,
  type Player,
  type PlayerError,
  type PlayerOptions,
  type PlayerSnapshot,
} from '@llstream/core';

/** The events `<ll-player>` dispatches (all `bubbles: true, composed: true`). */
export interface LLPlayerElementEventMap {
  /** The player's snapshot changed (status, latency, buffer, ...); `detail` is the new snapshot. */
  statechange: CustomEvent<PlayerSnapshot>;
  /** Live latency or target latency changed (seconds). */
  latencychange: CustomEvent<LatencyChange>;
  /** A failure stopped playback; `detail.code` says what kind. */
  error: CustomEvent<PlayerError>;
}

const STATUS_TEXT: Partial<Record<PlayerSnapshot['status'], string>> = {
  loading: 'Loading…',
  stalled: 'Buffering…',
  paused: 'Paused',
  offline: 'Stream offline: waiting for it to come back…',
};

const template = document.createElement('template');
template.innerHTML = `
<style>
  :host {
    display: block;
    position: relative;
    aspect-ratio: var(--ll-player-aspect-ratio, 16 / 9);
    overflow: hidden;
    background: var(--ll-player-background, #000);
    color: var(--ll-player-overlay-color, #fff);
    font: var(--ll-player-font, 500 13px/1.4 system-ui, sans-serif);
  }
  :host([hidden]) { display: none; }
  video { display: block; width: 100%; height: 100%; object-fit: contain; }
  .overlay {
    position: absolute;
    padding: 2px 8px;
    border-radius: 4px;
    background: var(--ll-player-overlay-background, rgb(0 0 0 / 0.65));
    text-shadow: 0 1px 1px #000;
    pointer-events: none;
    font-variant-numeric: tabular-nums;
  }
  /* Top right, below the test pattern's capture-time strip (the top 32 of 720 rows), which stays readable. */
  [part='latency'] { top: calc(100% * 32 / 720 + 6px); right: 8px; }
  [part='status'] { left: 50%; top: 50%; transform: translate(-50%, -50%); font-size: 1.2em; }
  [part='status']:empty { display: none; }
</style>
<video part="video" playsinline></video>
<div class="overlay" part="latency" aria-live="off"></div>
<div class="overlay" part="status" role="status"></div>
`;

/** A `target-latency` attribute value in seconds, or `null` when absent or not a number > 0. */
function parseTargetLatency(value: string | null): number | null {
  if (value === null || value.trim() === '') return null;
  const seconds = Number(value);
  return Number.isFinite(seconds) && seconds > 0 ? seconds : null;
}

/** "0.98 s", or a dash while the value is unknown. */
function formatSeconds(seconds: number | null): string {
  return seconds === null ? '–' : `${seconds.toFixed(2)} s`;
}

/**
 * `<ll-player>`: a low-latency live DASH player (the `@llstream/core` player
 * around a `<video>`) with a live latency readout.
 *
 * Attributes (and the camelCase properties reflecting them):
 * - `src`: the MPD URL; changing it loads the new stream, removing it stops playback.
 * - `target-latency` / `targetLatency`: a fixed target, seconds (a number > 0);
 *   absent, the player's automatic target (the lowest latency delivery sustains).
 * - `muted`: mute audio. `muted` (the property) also turns `true` when the
 *   player muted itself because the browser refused unmuted autoplay.
 * - `autoplay`: play as soon as possible; read when the player is created (on connect).
 * - `controls`: show the browser's video controls.
 *
 * Events: see {@link LLPlayerElementEventMap}.
 *
 * Styling: parts `video`, `latency` (the readout), `status` (loading, buffering,
 * paused or error text); custom properties `--ll-player-aspect-ratio`
 * (16 / 9), `--ll-player-background`, `--ll-player-font`,
 * `--ll-player-overlay-color`, `--ll-player-overlay-background`.
 *
 * The player is created when the element is connected and destroyed when it
 * is disconnected.
 */
export class LLPlayerElement extends HTMLElement {
  /** The tag name `define` registers. */
  static readonly tagName = 'll-player';
  /** Attributes whose changes reach the player (see the class description). */
  static readonly observedAttributes = ['src', 'target-latency', 'muted', 'autoplay', 'controls'];

  /**
   * Replaces the playback engine of the players this element creates (tests
   * pass `() => new FakeEngine()` from `@llstream/core/testing`). Set it
   * before the element is connected.
   * @defaultValue `null`: the dash.js engine
   */
  engineFactory: EngineFactory | null = null;

  #player: Player<unknown> | null = null;
  #video: HTMLVideoElement;
  #latency: HTMLElement;
  #status: HTMLElement;

  constructor() {
    super();
    const root = this.attachShadow({ mode: 'open' });
    root.append(template.content.cloneNode(true));
    this.#video = root.querySelector('video') as HTMLVideoElement;
    this.#latency = root.querySelector('[part="latency"]') as HTMLElement;
    this.#status = root.querySelector('[part="status"]') as HTMLElement;
  }

  /**
   * The core player, or `null` while the element is disconnected.
   * `player.engine` is the dash.js `MediaPlayer` unless `engineFactory` replaced the engine.
   */
  get player(): Player<unknown> | null {
    return this.#player;
  }

  /** The `<video>` in the shadow root that shows the stream. */
  get video(): HTMLVideoElement {
    return this.#video;
  }

  /** The MPD URL (`src` attribute); `''` when absent. */
  get src(): string {
    return this.getAttribute('src') ?? '';
  }

  set src(value: string) {
    this.setAttribute('src', value);
  }

  /**
   * The fixed target latency in seconds (`target-latency` attribute), or
   * `null` for the player's automatic target.
   * @throws RangeError when set to a number that is not finite and greater than 0.
   */
  get targetLatency(): number | null {
    return parseTargetLatency(this.getAttribute('target-latency'));
  }

  set targetLatency(seconds: number | null) {
    if (seconds === null) {
      this.removeAttribute('target-latency');
      return;
    }
    assertTargetLatency(seconds);
    this.setAttribute('target-latency', String(seconds));
  }

  /** Whether audio is muted: the player's state while connected, else the `muted` attribute. */
  get muted(): boolean {
    return this.#player?.getSnapshot().muted ?? this.hasAttribute('muted');
  }

  set muted(muted: boolean) {
    this.toggleAttribute('muted', muted);
    // The attribute may already match while the player muted itself after a refused autoplay.
    this.#player?.setMuted(muted);
  }

  /** Whether to play as soon as possible (`autoplay` attribute). */
  get autoplay(): boolean {
    return this.hasAttribute('autoplay');
  }

  set autoplay(autoplay: boolean) {
    this.toggleAttribute('autoplay', autoplay);
  }

  /** Whether the browser's video controls show (`controls` attribute). */
  get controls(): boolean {
    return this.hasAttribute('controls');
  }

  set controls(controls: boolean) {
    this.toggleAttribute('controls', controls);
  }

  connectedCallback(): void {
    if (!this.#player) this.#createPlayer();
  }

  disconnectedCallback(): void {
    this.#player?.destroy();
    this.#player = null;
  }

  attributeChangedCallback(name: string, oldValue: string | null, value: string | null): void {
    if (oldValue === value) return;
    switch (name) {
      case 'src':
        this.#loadSource();
        break;
      case 'target-latency': {
        const seconds = parseTargetLatency(value);
        // A bad value is ignored like other bad HTML attributes, but said out loud.
        if (value !== null && seconds === null) console.warn(`<ll-player> ignores target-latency="${value}": expected seconds greater than 0.`);
        this.#player?.setTargetLatency(seconds);
        break;
      }
      case 'muted':
        this.#player?.setMuted(value !== null);
        break;
      case 'controls':
        this.#video.controls = value !== null;
        break;
    }
  }

  #createPlayer(): void {
    const targetLatency = this.targetLatency;
    const options: Omit<PlayerOptions, 'engine'> = { autoplay: this.autoplay, muted: this.hasAttribute('muted') };
    if (targetLatency !== null) options.targetLatency = targetLatency;
    const player: Player<unknown> = this.engineFactory ? createPlayer({ ...options, engine: this.engineFactory }) : createPlayer(options);
    this.#player = player;
    player.subscribe((snapshot) => this.#render(snapshot));
    player.on('statechange', (snapshot) => this.#dispatch('statechange', snapshot));
    player.on('latencychange', (change) => this.#dispatch('latencychange', change));
    player.on('error', (error) => this.#dispatch('error', error));
    player.attach(this.#video);
    if (this.src) player.load(this.src);
    // Listeners hear of these first changes in a microtask; the first paint should not wait for it.
    this.#render(player.getSnapshot());
  }

  #loadSource(): void {
    if (!this.#player) return;
    if (this.src) {
      this.#player.load(this.src);
      return;
    }
    // No source: start over with an idle player, as a <video> without src shows nothing.
    this.#player.destroy();
    this.#createPlayer();
  }

  #render(snapshot: PlayerSnapshot): void {
    this.#latency.textContent = `Latency ${formatSeconds(snapshot.liveLatency)} · target ${formatSeconds(snapshot.targetLatency)}`;
    this.#status.textContent = snapshot.error ? `Error: ${snapshot.error.message}` : (STATUS_TEXT[snapshot.status] ?? '');
  }

  #dispatch<K extends keyof LLPlayerElementEventMap>(type: K, detail: LLPlayerElementEventMap[K]['detail']): void {
    this.dispatchEvent(new CustomEvent(type, { detail, bubbles: true, composed: true }));
  }

  override addEventListener<K extends keyof LLPlayerElementEventMap>(
    type: K,
    listener: (this: LLPlayerElement, event: LLPlayerElementEventMap[K]) => unknown,
    options?: boolean | AddEventListenerOptions,
  ): void;
  override addEventListener(type: string, listener: EventListenerOrEventListenerObject, options?: boolean | AddEventListenerOptions): void;
  override addEventListener(type: string, listener: EventListenerOrEventListenerObject, options?: boolean | AddEventListenerOptions): void {
    super.addEventListener(type, listener, options);
  }

  override removeEventListener<K extends keyof LLPlayerElementEventMap>(
    type: K,
    listener: (this: LLPlayerElement, event: LLPlayerElementEventMap[K]) => unknown,
    options?: boolean | EventListenerOptions,
  ): void;
  override removeEventListener(type: string, listener: EventListenerOrEventListenerObject, options?: boolean | EventListenerOptions): void;
  override removeEventListener(type: string, listener: EventListenerOrEventListenerObject, options?: boolean | EventListenerOptions): void {
    super.removeEventListener(type, listener, options);
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'll-player': LLPlayerElement;
  }
}

import {
  assertTargetLatency,
  createPlayer,
  type AudioTrack,
  type EngineFactory,
  type LatencyChange,
  type Player,
  type PlayerError,
  type PlayerOptions,
  type PlayerSnapshot,
  type Rendition,
  type StallInfo,
  type TextTrack,
} from '@llstream/core';
import { goLive, overlayState, type OverlayPicker } from '@llstream/core/ui';
import { createTemplate, icon } from './ll-player-template.js';

/** The player's events `<ll-player>` dispatches besides the re-dispatched media events (all `bubbles: true, composed: true`). */
export interface LLPlayerElementEventMap extends Omit<HTMLElementEventMap, 'error'> {
  /**
   * The player's snapshot changed (status, latency, buffer, ...); `detail` is
   * the new snapshot. Also dispatched once when the element creates a player,
   * with its first snapshot, so `player` is set when the first one arrives.
   */
  statechange: CustomEvent<PlayerSnapshot>;
  /** Live latency or target latency changed (seconds). */
  latencychange: CustomEvent<LatencyChange>;
  /** Playback stalled (a rebuffer); `detail.stallCount` counts them since the last load. */
  stall: CustomEvent<StallInfo>;
  /** A failure stopped playback; `detail.code` says what kind. */
  error: CustomEvent<PlayerError>;
}

/**
 * Media events of the inner `<video>` that the element dispatches again on
 * itself, as plain `Event`s that do not bubble (as a `<video>` does), so media
 * UI kits listening on the element work. The video's `error` is not among
 * them: the player's `error` event carries the failure.
 */
export const MEDIA_EVENTS = [
  'loadstart', 'loadedmetadata', 'loadeddata', 'canplay', 'canplaythrough', 'play', 'playing', 'pause',
  'waiting', 'seeking', 'seeked', 'timeupdate', 'progress', 'ratechange', 'volumechange', 'durationchange',
  'ended', 'emptied', 'enterpictureinpicture', 'leavepictureinpicture',
] as const;

/** One of the player's events (the `@fires` list), bubbling and composed so a page hears it from anywhere. */
function playerEvent<T>(type: string, detail: T): CustomEvent<T> {
  return new CustomEvent(type, { detail, bubbles: true, composed: true });
}

/** A copy of a media event to dispatch on the element (media events do not bubble, nor does the copy). */
function mediaEvent(event: Event): Event {
  return new Event(event.type);
}

/**
 * How long, in milliseconds, the pointer and keyboard may rest while playing
 * before the control bar fades out (YouTube's and media-chrome's players hide
 * theirs after 2-3 s).
 */
export const USER_INACTIVE_MS = 3000;

/** The player's events the element dispatches, by their names in the core's event map. */
const PLAYER_EVENTS = ['statechange', 'latencychange', 'stall', 'error'] as const;

/**
 * The base class: `HTMLElement` in a browser, an empty class where there is
 * no DOM (server rendering imports this module to render `<ll-player>` as
 * markup; nothing is defined or constructed there).
 */
const ElementBase: typeof HTMLElement = typeof HTMLElement === 'undefined' ? (class {} as typeof HTMLElement) : HTMLElement;

/** A `target-latency` attribute value in seconds, or `null` when absent or not a number > 0. */
function parseTargetLatency(value: string | null): number | null {
  if (value === null || value.trim() === '') return null;
  const seconds = Number(value);
  return Number.isFinite(seconds) && seconds > 0 ? seconds : null;
}

function setText(element: HTMLElement | undefined, text: string): void {
  if (element && element.textContent !== text) element.textContent = text;
}

function setHidden(element: HTMLElement | undefined, hidden: boolean): void {
  if (element && element.hidden !== hidden) element.hidden = hidden;
}

/** Sets a `<select>`'s options from a picker (rebuilt only when the entries change) and its value. */
function renderPicker(select: HTMLSelectElement, picker: OverlayPicker | null): void {
  setHidden(select, picker === null);
  if (picker === null) return;
  const key = JSON.stringify(picker.options);
  if (select.dataset['options'] !== key) {
    select.dataset['options'] = key;
    select.replaceChildren(...picker.options.map(({ id, label }) => new Option(label, id ?? '')));
  }
  const value = picker.selected ?? '';
  if (select.value !== value) select.value = value;
}

/**
 * `<ll-player>`: a low-latency live DASH player (the `@llstream/core` player
 * around a `<video>`) that behaves like a media element, with a default UI
 * for live video.
 *
 * This is the one default UI of llstream: React's `<LLPlayer>` and Angular's
 * `<llstream-player>` render this element.
 *
 * The player is created in the microtask after the element is connected (so
 * properties a framework sets right after inserting the element, such as
 * `engineFactory` and `playerOptions`, are read) and destroyed in the
 * microtask after it is disconnected, unless it was connected again by then
 * (a move in the document keeps its player). `player` gives the full core API.
 * Children of the element are slotted over the video: a page's own overlay.
 *
 * @tagname ll-player
 *
 * Keyboard, while focus is in the element and not on a control: `k` or space
 * plays/pauses, `m` mutes, arrow up/down change the volume by 5 %, `c` turns
 * subtitles on and off, `f` toggles full screen, `i` picture in picture,
 * `l` goes live.
 *
 * @attr {string} src - The MPD URL; changing it loads the new stream, removing it stops playback.
 * @attr {number} target-latency - A fixed target latency in seconds (> 0); absent: the automatic target (the lowest latency delivery sustains).
 * @attr {boolean} muted - Mute audio.
 * @attr {boolean} autoplay - Play as soon as possible (off by default, as for a `<video>`); read when the player is created (on connect).
 * @attr {boolean} controls - Show the default UI (control bar and latency readout; off by default, as for a `<video>`). Without it, only the video and the status line show: drive the element from your own controls.
 * @attr {string} poster - Image shown before the first frame (the video's `poster`).
 *
 * @fires statechange - `CustomEvent<PlayerSnapshot>`: the player's snapshot changed (and once when a player is created).
 * @fires latencychange - `CustomEvent<LatencyChange>`: live or target latency changed (seconds).
 * @fires stall - `CustomEvent<StallInfo>`: playback stalled (a rebuffer).
 * @fires error - `CustomEvent<PlayerError>`: a failure stopped playback.
 * @fires playing - and the other {@link MEDIA_EVENTS} of the inner video, as plain non-bubbling `Event`s.
 *
 * @csspart video - The `<video>`.
 * @csspart latency - The latency readout (top right).
 * @csspart status - The status line (loading, buffering, paused, offline, error) with its retry button.
 * @csspart status-text - The status line's text.
 * @csspart retry-button - "Retry", shown when the stream is offline or failed.
 * @csspart controls - The control bar (a toolbar).
 * @csspart play-button - Play/pause.
 * @csspart mute-button - Mute/unmute.
 * @csspart volume - The volume slider (0–1).
 * @csspart live-button - The live badge: "Live" at the target latency, "Go live" (with `data-behind`) when playback is over 0.5 s behind it or paused; either way a click seeks to live.
 * @csspart quality-menu - The rendition picker (streams with two renditions or more).
 * @csspart audio-menu - The audio track picker (two tracks or more).
 * @csspart text-menu - The subtitle picker (streams with subtitles).
 * @csspart pip-button - Picture in picture (where the browser supports it).
 * @csspart fullscreen-button - Full screen.
 *
 * @cssprop [--ll-player-aspect-ratio=16 / 9] - The element's aspect ratio.
 * @cssprop [--ll-player-background=#000] - Behind the video.
 * @cssprop [--ll-player-color=#fff] - Text and icons.
 * @cssprop [--ll-player-font=500 13px/1.4 system-ui, sans-serif] - Font of the UI.
 * @cssprop [--ll-player-accent=#e8413c] - The live dot and the volume slider.
 * @cssprop [--ll-player-focus-ring=#4da3ff] - Outline of the focused control.
 * @cssprop [--ll-player-overlay-background=rgb(0 0 0 / 0.65)] - Behind the readout, status and menus.
 *
 * @slot - Over the video, under the control bar: a page's own overlay (position it inside the element, which is `position: relative`).
 */
export class LLPlayerElement extends ElementBase {
  /** The tag name `define` registers. */
  static readonly tagName = 'll-player';
  /** Attributes whose changes reach the player (see the class description). */
  static readonly observedAttributes = ['src', 'target-latency', 'muted', 'autoplay', 'controls', 'poster'];

  #engineFactory: EngineFactory | null = null;
  #playerOptions: Omit<PlayerOptions, 'engine' | 'targetLatency' | 'autoplay' | 'muted'> = {};
  #player: Player<unknown> | null = null;
  #video: HTMLVideoElement;
  #parts: Record<string, HTMLElement> = {};
  #abort: AbortController | null = null;
  #inactiveTimer: ReturnType<typeof setTimeout> | undefined;
  /** The subtitle track `c` turns back on: the last one shown. */
  #lastTextTrack: string | null = null;

  constructor() {
    super();
    const root = this.attachShadow({ mode: 'open' });
    root.append(createTemplate().content.cloneNode(true));
    for (const element of root.querySelectorAll<HTMLElement>('[part]')) this.#parts[element.getAttribute('part') as string] = element;
    this.#video = this.#parts['video'] as HTMLVideoElement;
    for (const type of MEDIA_EVENTS) this.#video.addEventListener(type, (event) => this.dispatchEvent(mediaEvent(event)));
    this.#video.addEventListener('volumechange', () => this.#renderVolume());
    this.#wireControls();
  }

  /**
   * Replaces the playback engine of the players this element creates (tests
   * pass `() => new FakeEngine()` from `@llstream/core/testing`). Set it
   * before the element is connected, or in the same task; set later, the
   * element starts over with a new player (and loads `src` again).
   * @defaultValue `null`: the dash.js engine
   */
  get engineFactory(): EngineFactory | null {
    return this.#engineFactory;
  }

  set engineFactory(factory: EngineFactory | null | undefined) {
    if (this.#engineFactory === (factory ?? null)) return;
    this.#engineFactory = factory ?? null;
    this.#restart();
  }

  /**
   * Further options of the players this element creates, for what has no
   * attribute: the catch-up's playback-rate bounds (`minPlaybackRate`,
   * `maxPlaybackRate`) and the automatic target's bounds (`minLatency`,
   * `maxLatency`), in core's units and defaults (see `PlayerOptions`).
   * Set it before the element is connected, or in the same task; set later
   * (to other values), the element starts over with a new player.
   * @throws RangeError from `createPlayer`, naming a bad option, when the player is created.
   * @defaultValue `{}`
   */
  get playerOptions(): Omit<PlayerOptions, 'engine' | 'targetLatency' | 'autoplay' | 'muted'> {
    return this.#playerOptions;
  }

  set playerOptions(options: Omit<PlayerOptions, 'engine' | 'targetLatency' | 'autoplay' | 'muted'> | null | undefined) {
    const next = { ...(options ?? {}) };
    if (JSON.stringify(next) === JSON.stringify(this.#playerOptions)) return;
    this.#playerOptions = next;
    this.#restart();
  }

  /** A new player for new creation options, if there is one already. */
  #restart(): void {
    if (!this.#player) return;
    this.#destroyPlayer();
    this.#createPlayer();
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

  set src(value: string | null | undefined) {
    if (value) this.setAttribute('src', value);
    else this.removeAttribute('src');
  }

  /**
   * The fixed target latency in seconds (`target-latency` attribute), or
   * `null` for the player's automatic target (whose current value is
   * `player.getSnapshot().targetLatency`).
   * @throws RangeError when set to a number that is not finite and greater than 0.
   */
  get targetLatency(): number | null {
    return parseTargetLatency(this.getAttribute('target-latency'));
  }

  set targetLatency(seconds: number | null | undefined) {
    if (seconds === null || seconds === undefined) {
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

  set muted(muted: boolean | null | undefined) {
    muted = Boolean(muted);
    this.toggleAttribute('muted', muted);
    // The attribute may already match while the player muted itself after a refused autoplay.
    this.#player?.setMuted(muted);
  }

  /** Whether to play as soon as possible (`autoplay` attribute). */
  get autoplay(): boolean {
    return this.hasAttribute('autoplay');
  }

  set autoplay(autoplay: boolean | null | undefined) {
    this.toggleAttribute('autoplay', Boolean(autoplay));
  }

  /** Whether the default UI shows (`controls` attribute). */
  get controls(): boolean {
    return this.hasAttribute('controls');
  }

  set controls(controls: boolean | null | undefined) {
    this.toggleAttribute('controls', Boolean(controls));
  }

  /** The image shown before the first frame (`poster` attribute); `''` when absent. */
  get poster(): string {
    return this.getAttribute('poster') ?? '';
  }

  set poster(value: string | null | undefined) {
    if (value) this.setAttribute('poster', value);
    else this.removeAttribute('poster');
  }

  /** Whether playback is paused (the video's `paused`). */
  get paused(): boolean {
    return this.#video.paused;
  }

  /**
   * Audio volume from 0 to 1 (the video's `volume`), independent of `muted`.
   * @throws IndexSizeError (a `DOMException`) when set outside 0–1, as a `<video>` does.
   */
  get volume(): number {
    return this.#video.volume;
  }

  set volume(volume: number) {
    this.#video.volume = volume;
  }

  /** Playback position on the media timeline, seconds (the video's `currentTime`). Setting it seeks. */
  get currentTime(): number {
    return this.#video.currentTime;
  }

  set currentTime(seconds: number) {
    this.#video.currentTime = seconds;
  }

  /** The ranges of the media timeline that can be sought to (the live window), seconds. */
  get seekable(): TimeRanges {
    return this.#video.seekable;
  }

  /** The live edge on the `currentTime` timeline, seconds (the end of `seekable`); `NaN` before the stream is loaded. */
  get liveEdge(): number {
    const { seekable } = this.#video;
    return seekable.length === 0 ? Number.NaN : seekable.end(seekable.length - 1);
  }

  /** Live latency in seconds (see `PlayerSnapshot.liveLatency`); `null` until the first frame plays or while disconnected. */
  get latency(): number | null {
    return this.#player?.getSnapshot().liveLatency ?? null;
  }

  /** The video renditions (the ladder), lowest bandwidth first; empty while disconnected or before the stream is loaded. */
  get qualities(): readonly Rendition[] {
    return this.#player?.getSnapshot().renditions ?? [];
  }

  /** The stream's audio tracks (the player's, not the video's `AudioTrackList`). */
  get audioTracks(): readonly AudioTrack[] {
    return this.#player?.getSnapshot().audioTracks ?? [];
  }

  /** The stream's subtitle and caption tracks (the player's, not the video's `TextTrackList`). */
  get textTracks(): readonly TextTrack[] {
    return this.#player?.getSnapshot().textTracks ?? [];
  }

  /** Starts or resumes playback (a refused unmuted start falls back to muted). Resolves at once, like the player's `play()`. */
  async play(): Promise<void> {
    this.#player?.play();
  }

  /** Pauses playback. */
  pause(): void {
    this.#player?.pause();
  }

  /** Jumps to the target latency now (see `Player.seekToLive`). */
  seekToLive(): void {
    this.#player?.seekToLive();
  }

  connectedCallback(): void {
    // Focusable like a <video controls>, for the keyboard shortcuts; a page's own tabindex wins.
    if (!this.hasAttribute('tabindex')) this.tabIndex = 0;
    queueMicrotask(() => {
      if (this.isConnected && !this.#player) this.#createPlayer();
    });
  }

  disconnectedCallback(): void {
    queueMicrotask(() => {
      if (!this.isConnected) this.#destroyPlayer();
    });
  }

  #destroyPlayer(): void {
    this.#abort?.abort();
    this.#abort = null;
    clearTimeout(this.#inactiveTimer);
    this.removeAttribute('user-inactive');
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
      case 'poster':
        if (value === null) this.#video.removeAttribute('poster');
        else this.#video.poster = value;
        break;
    }
  }

  #createPlayer(): void {
    const targetLatency = this.targetLatency;
    const options: Omit<PlayerOptions, 'engine'> = { ...this.playerOptions, autoplay: this.autoplay, muted: this.hasAttribute('muted') };
    if (targetLatency !== null) options.targetLatency = targetLatency;
    const player: Player<unknown> = this.engineFactory ? createPlayer({ ...options, engine: this.engineFactory }) : createPlayer(options);
    this.#player = player;
    player.subscribe((snapshot) => this.#render(snapshot));
    for (const type of PLAYER_EVENTS) player.on(type, (detail) => this.dispatchEvent(playerEvent(type, detail)));
    this.#abort = new AbortController();
    const signal = this.#abort.signal;
    document.addEventListener('fullscreenchange', () => this.#renderFullscreen(), { signal });
    for (const type of ['pointermove', 'pointerdown', 'keydown', 'focusin'] as const) this.addEventListener(type, () => this.#userActive(), { signal });
    player.attach(this.#video);
    if (this.src) player.load(this.src);
    // Listeners hear of these first changes in a microtask; the first paint should not wait for it.
    this.#render(player.getSnapshot());
    this.#renderVolume();
    this.#renderFullscreen();
    this.dispatchEvent(playerEvent('statechange', player.getSnapshot()));
  }

  /** Shows the control bar, and hides it again after {@link USER_INACTIVE_MS} of rest while playing. */
  #userActive(): void {
    this.removeAttribute('user-inactive');
    clearTimeout(this.#inactiveTimer);
    this.#inactiveTimer = setTimeout(() => {
      // A control in use (a menu open, the slider held) keeps the bar.
      const focused = this.shadowRoot?.activeElement;
      if (this.#player?.getSnapshot().status === 'playing' && (!focused || focused === this.#video)) this.setAttribute('user-inactive', '');
    }, USER_INACTIVE_MS);
  }

  #loadSource(): void {
    if (!this.#player) return;
    if (this.src) {
      this.#player.load(this.src);
      return;
    }
    // No source: start over with an idle player, as a <video> without src shows nothing.
    this.#destroyPlayer();
    this.#createPlayer();
  }

  #wireControls(): void {
    const on = (part: string, type: string, handler: (event: Event) => void) => this.#parts[part]?.addEventListener(type, handler);
    on('play-button', 'click', () => this.#togglePlay());
    on('mute-button', 'click', () => (this.muted = !this.muted));
    on('volume', 'input', (event) => {
      this.volume = Number((event.target as HTMLInputElement).value);
      if (this.volume > 0 && this.muted) this.muted = false;
    });
    on('live-button', 'click', () => this.#player && goLive(this.#player));
    on('retry-button', 'click', () => this.src && this.#player?.load(this.src));
    on('quality-menu', 'change', (event) => this.#player?.setQuality((event.target as HTMLSelectElement).value));
    on('audio-menu', 'change', (event) => this.#player?.setAudioTrack((event.target as HTMLSelectElement).value));
    on('text-menu', 'change', (event) => this.#player?.setTextTrack((event.target as HTMLSelectElement).value || null));
    on('pip-button', 'click', () => void this.#togglePictureInPicture());
    on('fullscreen-button', 'click', () => void this.#toggleFullscreen());
    this.addEventListener('keydown', (event) => this.#onKey(event));
  }

  #onKey(event: KeyboardEvent): void {
    // Keys typed into a control (space on a button, arrows in a menu or the slider) are the control's.
    const focused = this.shadowRoot?.activeElement;
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey || (focused && focused !== this.#video)) return;
    const actions: Record<string, () => void> = {
      k: () => this.#togglePlay(),
      ' ': () => this.#togglePlay(),
      m: () => (this.muted = !this.muted),
      arrowup: () => this.#stepVolume(0.05),
      arrowdown: () => this.#stepVolume(-0.05),
      c: () => this.#toggleSubtitles(),
      f: () => void this.#toggleFullscreen(),
      i: () => void this.#togglePictureInPicture(),
      l: () => this.#player && goLive(this.#player),
    };
    const action = actions[event.key.toLowerCase()];
    if (!action) return;
    event.preventDefault();
    action();
  }

  #stepVolume(step: number): void {
    this.volume = Math.min(1, Math.max(0, Math.round((this.volume + step) * 100) / 100));
    if (step > 0 && this.muted) this.muted = false;
  }

  /** Subtitles off, or back on: the last track shown, else the first. */
  #toggleSubtitles(): void {
    const snapshot = this.#player?.getSnapshot();
    if (!snapshot || snapshot.textTracks.length === 0) return;
    const next = snapshot.textTrack !== null ? null : snapshot.textTracks.some((t) => t.id === this.#lastTextTrack) ? this.#lastTextTrack : snapshot.textTracks[0]!.id;
    this.#player?.setTextTrack(next);
  }

  #togglePlay(): void {
    const status = this.#player?.getSnapshot().status;
    if (status === 'paused' || status === 'idle') this.#player?.play();
    else this.#player?.pause();
  }

  async #toggleFullscreen(): Promise<void> {
    if (document.fullscreenElement === this) await document.exitFullscreen();
    else await this.requestFullscreen();
  }

  async #togglePictureInPicture(): Promise<void> {
    if (document.pictureInPictureElement === this.#video) await document.exitPictureInPicture();
    else if (document.pictureInPictureEnabled) await this.#video.requestPictureInPicture();
  }

  #render(snapshot: PlayerSnapshot): void {
    // Runs for every snapshot (20 a second while playing): only what changed touches the DOM.
    const overlay = overlayState(snapshot);
    const parts = this.#parts;
    setText(parts['latency'], overlay.latencyText);
    setText(parts['status-text'], overlay.statusText ?? '');
    setHidden(parts['retry-button'], snapshot.status !== 'error' && snapshot.status !== 'offline');
    parts['status']?.toggleAttribute('data-empty', overlay.statusText === null);
    const live = parts['live-button'] as HTMLElement;
    setHidden(live, !overlay.behindLive && snapshot.status !== 'playing' && snapshot.status !== 'stalled');
    setText(live, overlay.behindLive ? 'Go live' : 'Live');
    live.toggleAttribute('data-behind', overlay.behindLive);
    if (snapshot.textTrack !== null) this.#lastTextTrack = snapshot.textTrack;
    const playing = snapshot.status !== 'paused' && snapshot.status !== 'idle';
    if (!playing) this.removeAttribute('user-inactive');
    this.#setButton('play-button', playing ? 'Pause' : 'Play', playing ? 'pause' : 'play');
    this.#setButton('mute-button', snapshot.muted ? 'Unmute' : 'Mute', snapshot.muted ? 'muted' : 'volume');
    renderPicker(parts['quality-menu'] as HTMLSelectElement, overlay.quality);
    renderPicker(parts['audio-menu'] as HTMLSelectElement, overlay.audio);
    renderPicker(parts['text-menu'] as HTMLSelectElement, overlay.text);
    setHidden(parts['pip-button'], !document.pictureInPictureEnabled);
  }

  #setButton(part: string, label: string, iconName: Parameters<typeof icon>[0]): void {
    const button = this.#parts[part] as HTMLButtonElement;
    if (button.getAttribute('aria-label') === label) return;
    button.setAttribute('aria-label', label);
    button.innerHTML = icon(iconName);
  }

  #renderVolume(): void {
    (this.#parts['volume'] as HTMLInputElement).value = String(this.#video.muted ? 0 : this.#video.volume);
  }

  #renderFullscreen(): void {
    const full = document.fullscreenElement === this;
    this.#setButton('fullscreen-button', full ? 'Exit full screen' : 'Full screen', full ? 'exitFullscreen' : 'fullscreen');
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

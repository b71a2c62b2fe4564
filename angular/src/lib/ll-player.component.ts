import {
  booleanAttribute,
  ChangeDetectionStrategy,
  Component,
  computed,
  DestroyRef,
  effect,
  ElementRef,
  inject,
  Injector,
  input,
  output,
  signal,
  untracked,
  viewChild,
  type OnInit,
} from '@angular/core';
import type { EngineFactory, LatencyChange, Player, PlayerError, PlayerOptions, PlayerSnapshot } from '@llstream/core';
import { overlayState, type OverlayPicker } from '@llstream/core/ui';
import { injectLLPlayer, type LLPlayerRef } from './inject-ll-player';

/**
 * The host element of {@link LLPlayerComponent}: like `<ll-player>`, it
 * carries the `<video>` and the core player, for code that works with the
 * element rather than the component (media UI kits, test probes).
 */
export interface LLPlayerHostElement extends HTMLElement {
  /** The `<video>` that shows the stream. */
  readonly video: HTMLVideoElement;
  /** The core player, or `null` before the component's `ngOnInit` and after it is destroyed. */
  readonly player: Player<unknown> | null;
}

/** `targetLatency` input: seconds from a number or an attribute string; `null`, `undefined` or `''` for automatic. */
function toTargetLatency(value: number | string | null | undefined): number | null {
  return value === null || value === undefined || value === '' ? null : Number(value);
}

/**
 * `<llstream-player>`: a low-latency live DASH player (the `@llstream/core`
 * player around a `<video>`) with the default overlay every llstream adapter
 * shows: live latency readout, a status line, "Go live" when playback is
 * behind the live edge, and rendition, audio and subtitle pickers when the
 * stream offers a choice (content from `overlayState()` of `@llstream/core`).
 *
 * The selector is not `ll-player`, which `@llstream/vanilla` defines as a
 * custom element: a page may load both.
 *
 * Template reference: `#p="llPlayer"` gives the component, whose actions
 * (`play()`, `seekToLive()`, ...) and `player` can then be used.
 *
 * Styling: custom properties `--ll-player-aspect-ratio` (16 / 9),
 * `--ll-player-background`, `--ll-player-font`, `--ll-player-overlay-color`,
 * `--ll-player-overlay-background`, `--ll-player-focus-color`.
 */
@Component({
  selector: 'llstream-player',
  exportAs: 'llPlayer',
  changeDetection: ChangeDetectionStrategy.OnPush,
  host: { '[class.ll-native-controls]': 'controls()' },
  template: `
    <video #video playsinline [controls]="controls()"></video>
    @if (overlay(); as o) {
    <div class="ll-overlay ll-latency" aria-live="off">{{ o.latencyText }}</div>
    @if (o.statusText) {
      <div class="ll-overlay ll-status" role="status">{{ o.statusText }}</div>
    }
    <div class="ll-overlay ll-controls" role="group" aria-label="Player controls">
      @if (o.behindLive) {
        <button type="button" (click)="goLive()">Go live</button>
      }
      @if (o.quality; as picker) {
        <select aria-label="Quality" (change)="pick(picker, $event, 'quality')">
          @for (option of picker.options; track option.id) {
            <option [value]="$index" [selected]="option.id === picker.selected">{{ option.label }}</option>
          }
        </select>
      }
      @if (o.audio; as picker) {
        <select aria-label="Audio track" (change)="pick(picker, $event, 'audio')">
          @for (option of picker.options; track option.id) {
            <option [value]="$index" [selected]="option.id === picker.selected">{{ option.label }}</option>
          }
        </select>
      }
      @if (o.text; as picker) {
        <select aria-label="Subtitles" (change)="pick(picker, $event, 'text')">
          @for (option of picker.options; track option.id) {
            <option [value]="$index" [selected]="option.id === picker.selected">{{ option.label }}</option>
          }
        </select>
      }
    </div>
    }
  `,
  styles: `
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
    .ll-overlay {
      position: absolute;
      padding: 2px 8px;
      border-radius: 4px;
      background: var(--ll-player-overlay-background, rgb(0 0 0 / 0.65));
      text-shadow: 0 1px 1px #000;
      font-variant-numeric: tabular-nums;
    }
    /* Top right, below the test pattern's capture-time strip (the top 32 of 720 rows), which stays readable. */
    .ll-latency { top: calc(100% * 32 / 720 + 6px); right: 8px; pointer-events: none; }
    .ll-status { left: 50%; top: 50%; transform: translate(-50%, -50%); font-size: 1.2em; pointer-events: none; }
    .ll-controls { left: 8px; bottom: 8px; display: flex; gap: 6px; padding: 4px; }
    .ll-controls:empty { display: none; }
    /* Above the browser's own controls when they show. */
    :host(.ll-native-controls) .ll-controls { bottom: 56px; }
    button, select {
      font: inherit;
      color: inherit;
      background: rgb(255 255 255 / 0.12);
      border: 1px solid rgb(255 255 255 / 0.5);
      border-radius: 4px;
      padding: 2px 8px;
      cursor: pointer;
    }
    option { color: #000; }
    button:focus-visible, select:focus-visible { outline: 2px solid var(--ll-player-focus-color, #4da3ff); outline-offset: 2px; }
  `,
})
export class LLPlayerComponent implements OnInit {
  /** The MPD URL. Changing it loads the new stream; `''` (the default) loads nothing. */
  readonly src = input<string>('');
  /**
   * A fixed target latency in seconds (finite, > 0; an attribute string is
   * read as a number); `null` for the player's automatic target (the lowest
   * latency delivery sustains). A bad value makes the core throw a RangeError.
   * @defaultValue `null`
   */
  readonly targetLatency = input<number | null, number | string | null | undefined>(null, { transform: toTargetLatency });
  /** Mute audio. The player may also mute itself when the browser refuses unmuted autoplay (see `stateChange`). @defaultValue `false` */
  readonly muted = input(false, { transform: booleanAttribute });
  /** Play as soon as the first frame is ready; read once, when the player is created (`ngOnInit`). @defaultValue `true` */
  readonly autoplay = input(true, { transform: booleanAttribute });
  /** Show the browser's own video controls (the overlay moves above them). @defaultValue `false` */
  readonly controls = input(false, { transform: booleanAttribute });
  /**
   * Replaces the playback engine (tests pass `() => new FakeEngine()` from
   * `@llstream/core/testing`); read once, in `ngOnInit`.
   * @defaultValue `null`: the dash.js engine
   */
  readonly engine = input<EngineFactory<unknown> | null>(null);
  /**
   * Further core options, for what has no input of its own: the catch-up's
   * playback-rate bounds (`minPlaybackRate`, `maxPlaybackRate`) and the
   * automatic target's bounds (`minLatency`, `maxLatency`), in core's units
   * and defaults (see `PlayerOptions`; a bad one makes the core throw a
   * RangeError naming it). Read once, in `ngOnInit`.
   * @defaultValue `{}`
   */
  readonly playerOptions = input<Omit<PlayerOptions, 'engine' | 'targetLatency' | 'autoplay' | 'muted'>>({});

  /** The snapshot changed (status, live latency, buffer, tracks...; times in seconds). Up to every 100 ms while playing. */
  readonly stateChange = output<PlayerSnapshot>();
  /** Live latency or target latency changed (`LatencyChange`, seconds). */
  readonly latencyChange = output<LatencyChange>();
  /** A failure stopped playback (`PlayerError`; `code` says what kind). */
  readonly error = output<PlayerError>();

  readonly #injector = inject(Injector);
  private readonly videoRef = viewChild.required<ElementRef<HTMLVideoElement>>('video');
  readonly #ref = signal<LLPlayerRef | null>(null);
  #destroyed = false;
  /** What the overlay shows, from the core's `overlayState()`; `null` before `ngOnInit`. */
  protected readonly overlay = computed(() => {
    const ref = this.#ref();
    return ref ? overlayState(ref.snapshot()) : null;
  });

  constructor() {
    const host = inject<ElementRef<HTMLElement>>(ElementRef).nativeElement;
    Object.defineProperties(host, {
      video: { configurable: true, get: () => this.video },
      player: { configurable: true, get: () => (this.#destroyed ? null : (this.#ref()?.player ?? null)) },
    });
    inject(DestroyRef).onDestroy(() => (this.#destroyed = true));
  }

  /** The `<video>` that shows the stream. */
  get video(): HTMLVideoElement {
    return this.videoRef().nativeElement;
  }

  /** The core player; `null` before `ngOnInit` and after the component is destroyed. */
  get player(): Player<unknown> | null {
    return this.#destroyed ? null : (this.#ref()?.player ?? null);
  }

  ngOnInit(): void {
    const engine = this.engine();
    const targetLatency = this.targetLatency();
    const ref = injectLLPlayer({
      ...this.playerOptions(),
      injector: this.#injector,
      autoplay: this.autoplay(),
      muted: this.muted(),
      ...(targetLatency === null ? {} : { targetLatency }),
      ...(engine ? { engine } : {}),
    });
    this.#ref.set(ref);
    ref.player.on('statechange', (s) => this.stateChange.emit(s));
    ref.player.on('latencychange', (c) => this.latencyChange.emit(c));
    ref.player.on('error', (e) => this.error.emit(e));
    ref.attach(this.video);
    // Inputs reach the player when they change; their first values went into the options above.
    const forward = <T>(read: () => T, apply: (value: T) => void) => {
      let last = read();
      effect(() => {
        const value = read();
        if (!Object.is(value, last)) untracked(() => apply(value));
        last = value;
      }, { injector: this.#injector });
    };
    forward(this.targetLatency, (seconds) => ref.setTargetLatency(seconds));
    forward(this.muted, (muted) => ref.setMuted(muted));
    effect(() => {
      const src = this.src();
      if (src) untracked(() => ref.load(src));
    }, { injector: this.#injector });
  }

  /** Starts or resumes playback. */
  play(): void {
    this.#ref()?.play();
  }

  /** Pauses playback; live latency grows while paused. */
  pause(): void {
    this.#ref()?.pause();
  }

  /** Jumps to the target latency now. */
  seekToLive(): void {
    this.#ref()?.seekToLive();
  }

  /** The "Go live" button: seek to live, and play if paused. */
  goLive(): void {
    this.#ref()?.goLive();
  }

  /** Fixes the video rendition (`'auto'`: adaptive). @throws RangeError for an unknown id. */
  setQuality(id: string): void {
    this.#ref()?.setQuality(id);
  }

  /** Switches the audio track. @throws RangeError for an unknown id. */
  setAudioTrack(id: string): void {
    this.#ref()?.setAudioTrack(id);
  }

  /** Shows a text track, `null` for subtitles off. @throws RangeError for an unknown id. */
  setTextTrack(id: string | null): void {
    this.#ref()?.setTextTrack(id);
  }

  protected pick(picker: OverlayPicker, event: Event, kind: 'quality' | 'audio' | 'text'): void {
    const id = picker.options[Number((event.target as HTMLSelectElement).value)]?.id ?? null;
    if (kind === 'text') this.setTextTrack(id);
    else if (id !== null) (kind === 'quality' ? this.setQuality(id) : this.setAudioTrack(id));
  }
}

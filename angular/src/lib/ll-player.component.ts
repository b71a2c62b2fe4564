import {
  booleanAttribute,
  ChangeDetectionStrategy,
  Component,
  CUSTOM_ELEMENTS_SCHEMA,
  DestroyRef,
  ElementRef,
  inject,
  input,
  output,
  viewChild,
  type AfterViewInit,
  type OnInit,
  type OutputEmitterRef,
} from '@angular/core';
import type { EngineFactory, LatencyChange, Player, PlayerError, PlayerOptions, PlayerSnapshot, StallInfo } from '@llstream/core';
import { goLive } from '@llstream/core/ui';
// Registers <ll-player> (where there is a DOM: server rendering registers nothing).
import '@llstream/vanilla/define';
import type { LLPlayerElement } from '@llstream/vanilla/define';

/**
 * The host element of {@link LLPlayerComponent}: like the `<ll-player>` it
 * renders, it carries the `<video>` and the core player, for code that works
 * with elements rather than components (media UI kits, test probes).
 */
export interface LLPlayerHostElement extends HTMLElement {
  /** The `<video>` that shows the stream (in `<ll-player>`'s shadow root); `null` before the component's first change detection. */
  readonly video: HTMLVideoElement | null;
  /**
   * The core player, or `null` before `<ll-player>` created it (in the
   * microtask after the component's first change detection) and after the
   * component is destroyed (in the microtask after).
   */
  readonly player: Player<unknown> | null;
}

/** `targetLatency` input: seconds from a number or an attribute string; `null`, `undefined` or `''` for automatic. */
function toTargetLatency(value: number | string | null | undefined): number | null {
  return value === null || value === undefined || value === '' ? null : Number(value);
}

/**
 * `<llstream-player>`: a low-latency live DASH player for Angular. It renders
 * `<ll-player>` from `@llstream/vanilla`, the one default UI of llstream
 * (the same as React's `<LLPlayer>`), with the inputs as its properties and
 * its events as outputs.
 *
 * The selector is not `ll-player`, the custom element this component renders
 * (the browser would upgrade the component's host into it).
 *
 * Template reference: `#p="llPlayer"` gives the component, whose actions
 * (`play()`, `seekToLive()`, ...) and `player` can then be used. Children are
 * projected into `<ll-player>`'s slot, over the video: a page's own overlay.
 *
 * Styling is `<ll-player>`'s: custom properties `--ll-player-*` (they inherit
 * through the host) and parts, e.g.
 * `llstream-player ll-player::part(latency) { top: 40px; }`.
 */
@Component({
  selector: 'llstream-player',
  exportAs: 'llPlayer',
  changeDetection: ChangeDetectionStrategy.OnPush,
  schemas: [CUSTOM_ELEMENTS_SCHEMA],
  // Rendered from ngOnInit on, so that Angular creates and binds <ll-player> in one pass:
  // it creates its player in the microtask after it is connected, reading engineFactory,
  // playerOptions and autoplay then. In a view created now and checked later (a routed
  // page, createComponent, TestBed) it would otherwise be connected before its bindings.
  // The bindings that the player reads when it is created come first: targetLatency may throw.
  template: `
    @if (initialized) {
      <ll-player
        #element
        [engineFactory]="engine()"
        [playerOptions]="playerOptions()"
        [autoplay]="autoplay()"
        [muted]="muted()"
        [controls]="controls()"
        [src]="src()"
        [targetLatency]="targetLatency()"
        ><ng-content
      /></ll-player>
    }
  `,
  styles: `
    :host { display: block; }
    :host([hidden]) { display: none; }
  `,
})
export class LLPlayerComponent implements OnInit, AfterViewInit {
  /** The MPD URL. Changing it loads the new stream; `''` loads nothing. @defaultValue `''` */
  readonly src = input<string>('');
  /**
   * A fixed target latency in seconds (finite, > 0; an attribute string is
   * read as a number); `null` for the player's automatic target (the lowest
   * latency delivery sustains). Changes reach the player.
   * @defaultValue `null`
   * @throws RangeError (the core's, from `assertTargetLatency`) out of change
   *   detection, for a value that is not a finite number > 0 (`-1`, `NaN`, `'abc'`).
   */
  readonly targetLatency = input<number | null, number | string | null | undefined>(null, { transform: toTargetLatency });
  /** Mute audio. The player may also mute itself when the browser refuses unmuted autoplay (see `stateChange`). @defaultValue `false` */
  readonly muted = input(false, { transform: booleanAttribute });
  /**
   * Play as soon as the first frame is ready; read when the player is created
   * (the component's first change detection). Off, as for a `<video>`: the
   * stream loads and waits for `play()` or the play button.
   * @defaultValue `false`
   */
  readonly autoplay = input(false, { transform: booleanAttribute });
  /**
   * Show the default UI: `<ll-player>`'s control bar (play, mute, volume, the
   * live badge, quality, audio and subtitle pickers, picture in picture, full
   * screen) and its latency readout. Off, as for a `<video>`: only the video
   * and the status line show.
   * @defaultValue `false`
   */
  readonly controls = input(false, { transform: booleanAttribute });
  /**
   * Replaces the playback engine (tests pass `() => new FakeEngine()` from
   * `@llstream/core/testing`); read when the player is created.
   * @defaultValue `null`: the dash.js engine
   */
  readonly engine = input<EngineFactory<unknown> | null>(null);
  /**
   * Further core options, for what has no input of its own: the catch-up's
   * playback-rate bounds (`minPlaybackRate`, `maxPlaybackRate`) and the
   * automatic target's bounds (`minLatency`, `maxLatency`, seconds), in
   * core's units and defaults (see `PlayerOptions`). Read when the player is
   * created; a bad one makes `createPlayer` throw a RangeError naming it.
   * @defaultValue `{}`
   */
  readonly playerOptions = input<Omit<PlayerOptions, 'engine' | 'targetLatency' | 'autoplay' | 'muted'>>({});

  /**
   * The player's snapshot changed (status, live latency, buffer, tracks...;
   * times in seconds; up to every 100 ms while playing). Also emitted once
   * when the player is created, with its first snapshot.
   */
  readonly stateChange = output<PlayerSnapshot>();
  /** Live latency or target latency changed (`LatencyChange`, seconds). */
  readonly latencyChange = output<LatencyChange>();
  /** Playback stalled (a rebuffer); `stallCount` counts them since the last load. */
  readonly stall = output<StallInfo>();
  /** A failure stopped playback (`PlayerError`; `code` says what kind). */
  readonly error = output<PlayerError>();

  /** Whether `ngOnInit` ran: `<ll-player>` is rendered from then on (see the template). */
  protected initialized = false;
  private readonly element = viewChild<ElementRef<LLPlayerElement>>('element');
  readonly #destroyRef = inject(DestroyRef);

  constructor() {
    const host = inject<ElementRef<HTMLElement>>(ElementRef).nativeElement;
    Object.defineProperties(host, {
      video: { configurable: true, get: () => this.video },
      player: { configurable: true, get: () => this.player },
    });
  }

  /** The `<video>` that shows the stream (in `<ll-player>`'s shadow root); `null` before the first change detection. */
  get video(): HTMLVideoElement | null {
    return this.element()?.nativeElement.video ?? null;
  }

  /**
   * The core player (`player.engine` is the dash.js `MediaPlayer`), or `null`
   * before `<ll-player>` created it (in the microtask after the first change
   * detection) and after the component is destroyed (in the microtask after).
   */
  get player(): Player<unknown> | null {
    return this.element()?.nativeElement.player ?? null;
  }

  ngOnInit(): void {
    this.initialized = true;
  }

  ngAfterViewInit(): void {
    // Listeners of the element's own, not template bindings: a template listener would run
    // change detection for each snapshot (up to ten a second while playing), and this view
    // shows nothing of them.
    const element = this.element()?.nativeElement;
    if (!element) return;
    const abort = new AbortController();
    this.#destroyRef.onDestroy(() => {
      abort.abort();
      // The player goes with the component: <ll-player> destroys it in the microtask after it
      // leaves the document. Angular leaves a destroyed root view's nodes in place.
      element.remove();
    });
    const forward = <T>(type: 'statechange' | 'latencychange' | 'stall' | 'error', to: OutputEmitterRef<T>, stop = false) =>
      element.addEventListener(type, (event: Event) => {
        // `stall` and `error` stop here: a page's `(stall)` or `(error)` on this host would also
        // hear the element's bubbling DOM event of that name (Angular listens to both), and
        // window's `error` listeners (error reporters, test runners) would take it for a failed script.
        if (stop) event.stopPropagation();
        to.emit((event as CustomEvent<T>).detail);
      }, { signal: abort.signal });
    forward('statechange', this.stateChange);
    forward('latencychange', this.latencyChange);
    forward('stall', this.stall, true);
    forward('error', this.error, true);
  }

  /** Starts or resumes playback (a refused unmuted start falls back to muted). */
  play(): void {
    this.player?.play();
  }

  /** Pauses playback; live latency grows while paused. */
  pause(): void {
    this.player?.pause();
  }

  /** Jumps to the target latency now (see `Player.seekToLive`). */
  seekToLive(): void {
    this.player?.seekToLive();
  }

  /** What the live badge does ("Go live"): seek to live, and play if paused. */
  goLive(): void {
    const player = this.player;
    if (player) goLive(player);
  }

  /** Fixes the video rendition (`'auto'`: adaptive bitrate chooses). @throws RangeError for an unknown id. */
  setQuality(id: string): void {
    this.player?.setQuality(id);
  }

  /** Switches the audio track. @throws RangeError for an unknown id. */
  setAudioTrack(id: string): void {
    this.player?.setAudioTrack(id);
  }

  /** Shows a text track, `null` for subtitles off. @throws RangeError for an unknown id. */
  setTextTrack(id: string | null): void {
    this.player?.setTextTrack(id);
  }
}

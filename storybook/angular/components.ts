import {
  afterNextRender,
  ChangeDetectionStrategy,
  Component,
  computed,
  DestroyRef,
  effect,
  ElementRef,
  inject,
  Injector,
  input,
  signal,
  viewChild,
  type OnInit,
} from '@angular/core';
import { injectLLPlayer, LLPlayerComponent, type EngineFactory, type LLPlayerRef, type Player, type PlayerSnapshot } from '@llstream/angular';
import { mountLiveChart } from '../shared/live-chart';
import { applyPick, selectedValue, storyPickers, type PickerKind } from '../shared/pickers';
import { isPlaying, readoutText } from '../shared/readout';

/** Mounts the uPlot live panel into `host` once rendered, and removes it with the component. */
function liveChart(host: () => ElementRef<HTMLElement> | undefined, player: () => Player<unknown> | null): void {
  const destroyRef = inject(DestroyRef);
  let mounted = false;
  // Once both exist: <llstream-player>'s player comes a microtask after its <ll-player> is in the page,
  // and `player` reads signals (the snapshot) that change then.
  effect(() => {
    const element = host()?.nativeElement;
    const p = player();
    if (mounted || !element || !p) return;
    mounted = true;
    destroyRef.onDestroy(mountLiveChart(element, p));
  });
}

/** The rendition / audio / subtitle pickers for a snapshot, as `<select>`s that call the player. */
@Component({
  selector: 'sb-story-pickers',
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <div style="display: flex; gap: 12px; flex-wrap: wrap">
      @for (choice of pickers(); track choice.kind) {
        <label
          >{{ choice.label }}
          <select [value]="selected(choice.picker)" (change)="pick(choice, $event)">
            @for (option of choice.picker.options; track $index) {
              <option [value]="$index" [selected]="option.id === choice.picker.selected">{{ option.label }}</option>
            }
          </select>
        </label>
      }
      @if (pickers().length < kinds().length) {
        <span>(the stream offers no choice for the others)</span>
      }
    </div>
  `,
})
export class StoryPickersComponent {
  readonly state = input.required<PlayerSnapshot>();
  readonly player = input.required<Player<unknown>>();
  readonly kinds = input.required<readonly PickerKind[]>();
  protected readonly pickers = computed(() => storyPickers(this.state(), this.kinds()));
  protected readonly selected = selectedValue;

  protected pick(choice: ReturnType<typeof storyPickers>[number], event: Event): void {
    applyPick(this.player(), choice, (event.target as HTMLSelectElement).value);
  }
}

/** `<llstream-player>` (`<ll-player>`'s default UI) with pickers and/or the live chart under it. */
@Component({
  selector: 'sb-player-panel',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [LLPlayerComponent, StoryPickersComponent],
  template: `
    <div style="display: grid; gap: 12px; max-width: 720px">
      <llstream-player #lp [src]="src()" [engine]="engine()" [targetLatency]="targetLatency()" muted autoplay controls (stateChange)="state.set($event)" />
      @if (state(); as s) {
        @if (pickers().length > 0 && lp.player; as p) {
          <sb-story-pickers [state]="s" [player]="p" [kinds]="pickers()" />
        }
        <small>status {{ s.status }} · rendition {{ s.rendition ?? '–' }} · quality {{ s.quality }}</small>
      }
      @if (chart()) {
        <div #chart data-testid="live-chart"></div>
      }
    </div>
  `,
})
export class PlayerPanelComponent {
  readonly src = input.required<string>();
  readonly targetLatency = input<number | null>(null);
  readonly engine = input<EngineFactory<unknown> | null>(null);
  readonly pickers = input<readonly PickerKind[]>([]);
  readonly chart = input(false);
  protected readonly state = signal<PlayerSnapshot | null>(null);
  private readonly llPlayer = viewChild.required(LLPlayerComponent);
  private readonly chartHost = viewChild<ElementRef<HTMLElement>>('chart');

  constructor() {
    // state() changes with the first snapshot, when the player exists.
    liveChart(this.chartHost, () => (this.state() ? this.llPlayer().player : null));
  }
}

/**
 * A player on `injectLLPlayer()` with every live-control option: the target
 * (or automatic), the automatic target's bounds and the catch-up rate bounds.
 * The bounds are read once, when the player is created.
 */
@Component({
  selector: 'sb-latency-player',
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <video #video playsinline style="width: 100%; aspect-ratio: 16 / 9; background: #000"></video>
    <output>{{ readout() }}</output>
    <div #chart data-testid="live-chart"></div>
  `,
})
export class LatencyPlayerComponent implements OnInit {
  readonly src = input.required<string>();
  /** Seconds; `null` for the automatic target. */
  readonly targetLatency = input<number | null>(null);
  readonly minLatency = input.required<number>();
  readonly maxLatency = input.required<number>();
  readonly minPlaybackRate = input.required<number>();
  readonly maxPlaybackRate = input.required<number>();
  readonly #injector = inject(Injector);
  readonly #ll = signal<LLPlayerRef | null>(null);
  private readonly video = viewChild.required<ElementRef<HTMLVideoElement>>('video');
  private readonly chartHost = viewChild<ElementRef<HTMLElement>>('chart');
  protected readonly readout = computed(() => {
    const ll = this.#ll();
    return ll ? readoutText(ll.snapshot()) : '';
  });

  constructor() {
    liveChart(this.chartHost, () => this.#ll()?.player ?? null);
  }

  ngOnInit(): void {
    const targetLatency = this.targetLatency();
    const ll = injectLLPlayer({
      injector: this.#injector,
      autoplay: true,
      muted: true,
      minLatency: this.minLatency(),
      maxLatency: this.maxLatency(),
      minPlaybackRate: this.minPlaybackRate(),
      maxPlaybackRate: this.maxPlaybackRate(),
      ...(targetLatency === null ? {} : { targetLatency }),
    });
    this.#ll.set(ll);
    afterNextRender(
      () => {
        ll.attach(this.video().nativeElement);
        ll.load(this.src());
      },
      { injector: this.#injector },
    );
  }
}

/** The TargetLatency story's controls; a change of a bound creates a new player (`@for` tracks the bounds object). */
@Component({
  selector: 'sb-latency-story',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [LatencyPlayerComponent],
  template: `
    <div style="display: grid; gap: 8px; max-width: 720px">
      @for (b of [bounds()]; track b) {
        <sb-latency-player
          [src]="src()"
          [targetLatency]="autoTarget() ? null : targetLatency()"
          [minLatency]="b.minLatency"
          [maxLatency]="b.maxLatency"
          [minPlaybackRate]="b.minPlaybackRate"
          [maxPlaybackRate]="b.maxPlaybackRate"
        />
      }
    </div>
  `,
})
export class LatencyStoryComponent {
  readonly src = input.required<string>();
  readonly autoTarget = input(false);
  readonly targetLatency = input(1);
  readonly minLatency = input(0.1);
  readonly maxLatency = input(5);
  readonly minPlaybackRate = input(0.9);
  readonly maxPlaybackRate = input(1.15);
  protected readonly bounds = computed(() => ({
    minLatency: this.minLatency(),
    maxLatency: this.maxLatency(),
    minPlaybackRate: this.minPlaybackRate(),
    maxPlaybackRate: this.maxPlaybackRate(),
  }));
}

/** Your own UI on `injectLLPlayer()`: a plain `<video>`, buttons, and a readout from the signals. */
@Component({
  selector: 'sb-custom-controls',
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <figure style="margin: 0; display: grid; gap: 8px; max-width: 720px">
      <video #video playsinline style="width: 100%; aspect-ratio: 16 / 9; background: #000"></video>
      <figcaption style="display: flex; gap: 8px; align-items: center">
        <button type="button" (click)="toggle()">{{ playing() ? 'Pause' : 'Play' }}</button>
        <button type="button" (click)="ll.seekToLive()">Go live</button>
        <output>{{ readout() }}</output>
      </figcaption>
    </figure>
  `,
})
export class CustomControlsComponent {
  readonly src = input.required<string>();
  protected readonly ll = injectLLPlayer({ autoplay: true, muted: true });
  protected readonly playing = computed(() => isPlaying(this.ll.snapshot()));
  protected readonly readout = computed(() => readoutText(this.ll.snapshot()));
  private readonly video = viewChild.required<ElementRef<HTMLVideoElement>>('video');

  constructor() {
    afterNextRender(() => {
      this.ll.attach(this.video().nativeElement);
      this.ll.load(this.src());
    });
  }

  protected toggle(): void {
    if (this.playing()) this.ll.pause();
    else this.ll.play();
  }
}

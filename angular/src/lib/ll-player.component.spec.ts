import { Component, provideZonelessChangeDetection, reflectComponentType, signal } from '@angular/core';
import { TestBed, type ComponentFixture } from '@angular/core/testing';
import { assertTargetLatency, PlayerError, type LatencyChange, type PlayerSnapshot, type StallInfo } from '@llstream/core';
import { FakeEngine, SAMPLE_TRACKS } from '@llstream/core/testing';
import type { LLPlayerElement } from '@llstream/vanilla';
import { LLPlayerComponent, type LLPlayerHostElement } from './ll-player.component';
import { SRC, sleep } from './testing.spec-helpers';

/** The message of the core's RangeError for a bad target latency. */
function targetLatencyMessage(value: unknown): string {
  try {
    assertTargetLatency(value);
  } catch (error) {
    return (error as Error).message;
  }
  return 'no error';
}

describe('LLPlayerComponent', () => {
  let fake: FakeEngine;
  let fixture: ComponentFixture<LLPlayerComponent>;
  let host: LLPlayerHostElement;
  /** The `<ll-player>` the component renders. */
  let element: LLPlayerElement;

  /** Lets `<ll-player>` create or destroy its player (in the microtask after connect or disconnect), the player publish, and Angular render. */
  async function settle(): Promise<void> {
    await sleep(0);
    await fixture.whenStable();
  }

  /** Creates the component with the fake engine and `inputs`, renders it and lets `<ll-player>` create its player. */
  async function create(inputs: Record<string, unknown> = {}): Promise<void> {
    fixture = TestBed.createComponent(LLPlayerComponent);
    fixture.componentRef.setInput('engine', () => fake);
    for (const [name, value] of Object.entries(inputs)) fixture.componentRef.setInput(name, value);
    await settle();
    host = fixture.nativeElement as LLPlayerHostElement;
    element = host.querySelector('ll-player')!;
  }

  /** A part of the default UI, in `<ll-player>`'s shadow root. */
  const part = (name: string) => element.shadowRoot!.querySelector<HTMLElement>(`[part~="${name}"]`);

  beforeEach(() => {
    fake = new FakeEngine();
    TestBed.configureTestingModule({ providers: [provideZonelessChangeDetection()] });
  });

  afterEach(() => fixture?.destroy());

  it('uses a selector that cannot clash with the <ll-player> custom element it renders', () => {
    expect(reflectComponentType(LLPlayerComponent)?.selector).toBe('llstream-player');
  });

  it('renders <ll-player>, whose player plays into its video; the host element exposes both', async () => {
    await create({ src: SRC });
    expect(element).toBeInstanceOf(customElements.get('ll-player')!);
    expect(fake.video).toBe(element.video);
    expect(fake.src).toBe(SRC);
    expect(fake.loadCount).toBe(1);
    expect(host.video).toBe(element.video);
    expect(fixture.componentInstance.video).toBe(element.video);
    expect(host.player).toBe(element.player!);
    expect(fixture.componentInstance.player).toBe(element.player!);
    expect(host.player!.engine).toBe(fake);
  });

  it('loads nothing without src, and loads each new src', async () => {
    await create();
    expect(fake.loadCount).toBe(0);
    fixture.componentRef.setInput('src', SRC);
    await settle();
    expect(fake.src).toBe(SRC);
    fixture.componentRef.setInput('src', `${SRC}?b`);
    await settle();
    expect([fake.src, fake.loadCount]).toEqual([`${SRC}?b`, 2]);
  });

  it('passes targetLatency (seconds) as the fixed target, and forwards changes and null (automatic)', async () => {
    await create({ src: SRC, targetLatency: 0.3 });
    expect(host.player!.getSnapshot()).toEqual(jasmine.objectContaining({ targetLatency: 0.3, targetLatencySource: 'option' }));
    fixture.componentRef.setInput('targetLatency', '0.8');
    await settle();
    expect(host.player!.getSnapshot().targetLatency).toBe(0.8);
    fixture.componentRef.setInput('targetLatency', null);
    await settle();
    expect(host.player!.getSnapshot().targetLatencySource).toBe('auto');
  });

  it('throws the core\'s RangeError for a target latency that is not seconds > 0, an attribute string included', async () => {
    await create({ src: SRC, targetLatency: 0.5 });
    fixture.componentRef.setInput('targetLatency', 'abc');
    expect(() => fixture.detectChanges()).toThrowError(RangeError, targetLatencyMessage(Number.NaN));
    expect(host.player!.getSnapshot().targetLatency).toBe(0.5);
  });

  it('passes playerOptions to the player: its bounds hold the automatic target', async () => {
    // The automatic target starts at 0.5 s, inside [minLatency, maxLatency].
    await create({ src: SRC, playerOptions: { minLatency: 0.8, maxLatency: 2, maxPlaybackRate: 1.1 } });
    expect(host.player!.getSnapshot()).toEqual(jasmine.objectContaining({ targetLatency: 0.8, targetLatencySource: 'auto' }));
  });

  it('passes muted and autoplay to the player when it is created, and forwards muted changes', async () => {
    await create({ src: SRC, muted: true, autoplay: true });
    expect(fake.muted).toBe(true);
    expect(fake.autoplay).toBe(true);
    fixture.componentRef.setInput('muted', false);
    await settle();
    expect(fake.muted).toBe(false);
  });

  it('does not autoplay by default, as <ll-player> and a <video>: the stream loads and waits', async () => {
    await create({ src: SRC });
    expect(fake.autoplay).toBe(false);
    fake.ready();
    await settle();
    expect(host.player!.getSnapshot().status).toBe('paused');
  });

  it('reads boolean attributes the HTML way', async () => {
    await create({ src: SRC, muted: '', autoplay: '', controls: '' });
    expect([fake.muted, fake.autoplay, element.controls]).toEqual([true, true, true]);
  });

  it('shows <ll-player>\'s default UI only with controls', async () => {
    await create({ src: SRC });
    expect(element.controls).toBe(false);
    expect(part('controls')!.checkVisibility()).toBe(false);
    fixture.componentRef.setInput('controls', true);
    await settle();
    expect(element.controls).toBe(true);
    expect(part('controls')!.checkVisibility()).toBe(true);
    fake.ready();
    await settle();
    expect(part('play-button')!.ariaLabel).toBe('Play');
    // The default UI is <ll-player>'s, not the browser's.
    expect(host.video!.controls).toBe(false);
  });

  it('renders the readout and status from the player, in <ll-player>\'s shadow root', async () => {
    await create({ src: SRC, targetLatency: 0.3, autoplay: true, controls: true });
    expect(part('status-text')!.textContent).toBe('Loading…');
    fake.ready();
    fake.liveLatency = 0.25;
    await sleep(120);
    expect(part('latency')!.textContent).toBe('Latency 0.25 s · target 0.30 s');
    expect(part('status')!.checkVisibility()).toBe(false);
  });

  it('projects its children into <ll-player>\'s slot, over the video', async () => {
    @Component({
      imports: [LLPlayerComponent],
      template: `<llstream-player [src]="src" [engine]="engine"><p class="badge">On air</p></llstream-player>`,
    })
    class PageComponent {
      readonly src = SRC;
      readonly engine = () => fake;
    }
    const page = TestBed.createComponent(PageComponent);
    await page.whenStable();
    const badge = (page.nativeElement as HTMLElement).querySelector('llstream-player ll-player > p.badge')!;
    expect(badge.textContent).toBe('On air');
    expect(badge.assignedSlot?.getRootNode()).toBe(badge.parentElement!.shadowRoot!);
    page.destroy();
  });

  it('emits stateChange (first when the player is created), latencyChange, stall and error with the core\'s payloads', async () => {
    fixture = TestBed.createComponent(LLPlayerComponent);
    const states: PlayerSnapshot[] = [];
    const latencies: LatencyChange[] = [];
    const stalls: StallInfo[] = [];
    const errors: PlayerError[] = [];
    fixture.componentInstance.stateChange.subscribe((s) => states.push(s));
    fixture.componentInstance.latencyChange.subscribe((c) => latencies.push(c));
    fixture.componentInstance.stall.subscribe((s) => stalls.push(s));
    fixture.componentInstance.error.subscribe((e) => errors.push(e));
    fixture.componentRef.setInput('engine', () => fake);
    fixture.componentRef.setInput('src', SRC);
    fixture.componentRef.setInput('targetLatency', 0.5);
    fixture.componentRef.setInput('autoplay', true);
    await settle();
    host = fixture.nativeElement as LLPlayerHostElement;
    expect(states[0]).toBe(host.player!.getSnapshot());
    fake.ready();
    fake.liveLatency = 0.75;
    fake.bufferAhead = 0.5;
    await sleep(120);
    expect(states.at(-1)?.status).toBe('playing');
    expect(latencies).toContain({ liveLatency: 0.75, targetLatency: 0.5 });
    fake.emit('waiting');
    await sleep(0);
    expect(stalls.map((s) => s.stallCount)).toEqual([1]);
    const failure = new PlayerError('manifest', 'The MPD could not be parsed.');
    fake.emit('error', failure);
    await sleep(0);
    expect(errors).toEqual([failure]);
  });

  it('delivers (stall) and (error) bound on the host once each, with the core\'s payloads, not the element\'s DOM events', async () => {
    @Component({
      imports: [LLPlayerComponent],
      template: `<div (error)="heard.push('div error')" (stall)="heard.push('div stall')">
        <llstream-player [src]="src" [engine]="engine" autoplay (stall)="stalls.push($event)" (error)="errors.push($event)" />
      </div>`,
    })
    class PageComponent {
      readonly src = SRC;
      readonly engine = () => fake;
      readonly stalls: unknown[] = [];
      readonly errors: unknown[] = [];
      readonly heard: string[] = [];
    }
    const page = TestBed.createComponent(PageComponent);
    await page.whenStable();
    await sleep(0);
    fake.ready();
    await sleep(60);
    fake.emit('waiting');
    const failure = new PlayerError('network', 'segment unavailable');
    fake.emit('error', failure);
    await sleep(0);
    const { stalls, errors, heard } = page.componentInstance;
    expect(stalls).toEqual([jasmine.objectContaining({ stallCount: 1 })]);
    expect(errors).toEqual([failure]);
    expect(heard).toEqual([]);
    page.destroy();
  });

  it('forwards the actions of its template reference to the player', async () => {
    await create({ src: SRC });
    fake.ready();
    fake.emit('tracks', SAMPLE_TRACKS);
    const component = fixture.componentInstance;
    component.play();
    expect(fake.paused).toBe(false);
    component.pause();
    expect(fake.paused).toBe(true);
    component.seekToLive();
    expect(fake.seekToLiveCount).toBe(1);
    component.goLive(); // paused: seeks to live and plays
    expect([fake.seekToLiveCount, fake.paused]).toEqual([2, false]);
    component.setQuality('v240');
    expect(fake.rendition).toBe('v240');
    component.setAudioTrack('a-de');
    expect(fake.audioTrack).toBe('a-de');
    component.setTextTrack('t-en');
    expect(fake.textTrack).toBe('t-en');
    expect(() => component.setQuality('nope')).toThrowError(RangeError);
  });

  it('destroys the player, and stops exposing it and emitting, when removed with its view', async () => {
    @Component({
      imports: [LLPlayerComponent],
      template: `@if (shown()) { <llstream-player [src]="src" [engine]="engine" (stateChange)="states.push($event)" /> }`,
    })
    class PageComponent {
      readonly shown = signal(true);
      readonly src = SRC;
      readonly engine = () => fake;
      readonly states: PlayerSnapshot[] = [];
    }
    const page = TestBed.createComponent(PageComponent);
    await page.whenStable();
    await sleep(0);
    const playerHost = (page.nativeElement as HTMLElement).querySelector<LLPlayerHostElement>('llstream-player')!;
    const player = playerHost.player!;
    page.componentInstance.shown.set(false);
    await page.whenStable();
    await sleep(0);
    expect(fake.destroyed).toBe(true);
    expect(player.engine).toBeNull();
    expect(playerHost.player).toBeNull();
    expect(fake.listenerCount()).toBe(0);
    const states = page.componentInstance.states.length;
    fake.ready();
    await sleep(60);
    expect(page.componentInstance.states.length).toBe(states);
    page.destroy();
  });
});

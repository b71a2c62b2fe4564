import { provideZonelessChangeDetection, reflectComponentType } from '@angular/core';
import { TestBed, type ComponentFixture } from '@angular/core/testing';
import { PlayerError, type LatencyChange, type PlayerSnapshot } from '@llstream/core';
import { FakeEngine, SAMPLE_TRACKS } from '@llstream/core/testing';
import { LLPlayerComponent, type LLPlayerHostElement } from './ll-player.component';
import { SRC, sleep } from './testing.spec-helpers';

describe('LLPlayerComponent', () => {
  let fake: FakeEngine;
  let fixture: ComponentFixture<LLPlayerComponent>;
  let host: LLPlayerHostElement;

  /** Creates the component with the fake engine and `inputs`, and renders it. */
  async function create(inputs: Record<string, unknown> = {}): Promise<void> {
    fixture = TestBed.createComponent(LLPlayerComponent);
    fixture.componentRef.setInput('engine', () => fake);
    for (const [name, value] of Object.entries(inputs)) fixture.componentRef.setInput(name, value);
    await fixture.whenStable();
    host = fixture.nativeElement as LLPlayerHostElement;
  }

  /** Lets the player's microtask-batched notifications and Angular's rendering run. */
  async function settle(): Promise<void> {
    await sleep(0);
    await fixture.whenStable();
  }

  beforeEach(() => {
    fake = new FakeEngine();
    TestBed.configureTestingModule({ providers: [provideZonelessChangeDetection()] });
  });

  afterEach(() => fixture?.destroy());

  it('uses a selector that cannot clash with the <ll-player> custom element', () => {
    expect(reflectComponentType(LLPlayerComponent)?.selector).toBe('llstream-player');
  });

  it('attaches its <video>, loads src, and exposes video and player on the host element', async () => {
    await create({ src: SRC });
    expect(fake.video).toBe(host.querySelector('video'));
    expect(host.video).toBe(fake.video!);
    expect(fake.src).toBe(SRC);
    expect(fake.loadCount).toBe(1);
    expect(host.player).toBe(fixture.componentInstance.player!);
    expect(host.player!.engine).toBe(fake);
  });

  it('loads nothing without src, and loads each new src', async () => {
    await create();
    expect(fake.loadCount).toBe(0);
    fixture.componentRef.setInput('src', SRC);
    await fixture.whenStable();
    expect(fake.src).toBe(SRC);
    fixture.componentRef.setInput('src', `${SRC}?b`);
    await fixture.whenStable();
    expect([fake.src, fake.loadCount]).toEqual([`${SRC}?b`, 2]);
  });

  it('passes targetLatency (seconds) as the fixed target, and forwards changes and null (automatic)', async () => {
    await create({ src: SRC, targetLatency: 0.3 });
    expect(host.player!.getSnapshot()).toEqual(jasmine.objectContaining({ targetLatency: 0.3, targetLatencySource: 'option' }));
    fixture.componentRef.setInput('targetLatency', '0.8');
    await fixture.whenStable();
    expect(host.player!.getSnapshot().targetLatency).toBe(0.8);
    fixture.componentRef.setInput('targetLatency', null);
    await fixture.whenStable();
    expect(host.player!.getSnapshot().targetLatencySource).toBe('auto');
  });

  it('passes playerOptions to the player: its bounds hold the automatic target', async () => {
    // The automatic target starts at 0.5 s, inside [minLatency, maxLatency].
    await create({ src: SRC, playerOptions: { minLatency: 0.8, maxLatency: 2, maxPlaybackRate: 1.1 } });
    expect(host.player!.getSnapshot()).toEqual(jasmine.objectContaining({ targetLatency: 0.8, targetLatencySource: 'auto' }));
  });

  it('starts on the automatic target when targetLatency is not set', async () => {
    await create({ src: SRC });
    expect(host.player!.getSnapshot().targetLatencySource).toBe('auto');
  });

  it('passes muted and autoplay to the player, and forwards muted changes', async () => {
    await create({ src: SRC, muted: true, autoplay: false });
    expect(fake.muted).toBe(true);
    expect(fake.autoplay).toBe(false);
    fake.ready();
    await settle();
    expect(host.player!.getSnapshot().status).toBe('paused');
    fixture.componentRef.setInput('muted', false);
    await fixture.whenStable();
    expect(fake.muted).toBe(false);
  });

  it('autoplays by default, and reads boolean attributes the HTML way', async () => {
    await create({ src: SRC, muted: '' });
    expect(fake.autoplay).toBe(true);
    expect(fake.muted).toBe(true);
  });

  it('shows the browser controls only with controls', async () => {
    await create({ src: SRC });
    expect(host.video.controls).toBe(false);
    fixture.componentRef.setInput('controls', true);
    await fixture.whenStable();
    expect(host.video.controls).toBe(true);
  });

  it('emits stateChange, latencyChange and error from the player', async () => {
    await create({ src: SRC, targetLatency: 0.5 });
    const states: PlayerSnapshot[] = [];
    const latencies: LatencyChange[] = [];
    const errors: PlayerError[] = [];
    fixture.componentInstance.stateChange.subscribe((s) => states.push(s));
    fixture.componentInstance.latencyChange.subscribe((c) => latencies.push(c));
    fixture.componentInstance.error.subscribe((e) => errors.push(e));
    fake.ready();
    fake.liveLatency = 0.75;
    await sleep(120);
    expect(states.at(-1)?.status).toBe('playing');
    expect(latencies).toContain({ liveLatency: 0.75, targetLatency: 0.5 });
    const failure = new PlayerError('manifest', 'The MPD could not be parsed.');
    fake.emit('error', failure);
    await sleep(0);
    expect(errors).toEqual([failure]);
  });

  it('renders the latency readout and status from the snapshot', async () => {
    await create({ src: SRC, targetLatency: 0.3 });
    expect(host.querySelector('[role="status"]')?.textContent?.trim()).toBe('Loading…');
    fake.ready();
    fake.liveLatency = 0.25;
    await sleep(120);
    await fixture.whenStable();
    expect(host.querySelector('.ll-latency')?.textContent?.trim()).toBe('Latency 0.25 s · target 0.30 s');
    expect(host.querySelector('[role="status"]')).toBeNull();
  });

  it('offers "Go live" when behind the live edge, a keyboard-reachable button that seeks to live', async () => {
    await create({ src: SRC, targetLatency: 0.3 });
    fake.ready();
    fake.liveLatency = 0.4;
    await sleep(120);
    await fixture.whenStable();
    expect(host.querySelector('button')).toBeNull();
    fake.liveLatency = 1.2; // 0.9 s over target, more than the 0.5 s margin
    await sleep(120);
    await fixture.whenStable();
    const button = host.querySelector('button')!;
    expect(button.textContent?.trim()).toBe('Go live');
    expect(button.type).toBe('button');
    button.focus();
    expect(document.activeElement).toBe(button);
    const seeksBefore = fake.seeks.length + fake.seekToLiveCount;
    button.click(); // what Enter or Space on a focused <button> does
    expect(fake.seeks.length + fake.seekToLiveCount).toBe(seeksBefore + 1);
  });

  it('offers rendition, audio and subtitle pickers with accessible names when the stream has a choice', async () => {
    await create({ src: SRC });
    fake.ready();
    await settle();
    expect(host.querySelectorAll('select').length).toBe(0);
    fake.emit('tracks', SAMPLE_TRACKS);
    fake.emit('selectionchange', { rendition: 'v720', audioTrack: 'a-en', textTrack: null });
    await settle();
    const [quality, audio, text] = Array.from(host.querySelectorAll('select'));
    expect([quality!.ariaLabel, audio!.ariaLabel, text!.ariaLabel]).toEqual(['Quality', 'Audio track', 'Subtitles']);
    expect(Array.from(quality!.options, (o) => o.text)).toEqual(['Auto', '720p · 2.5 Mb/s', '240p · 250 kb/s']);
    expect(quality!.selectedOptions[0]!.text).toBe('Auto');
    expect(audio!.selectedOptions[0]!.text).toBe('English (stereo)');
    expect(text!.selectedOptions[0]!.text).toBe('Off');

    // A keyboard user changes a focused <select> with the arrow keys; the browser then fires `change`.
    const choose = (select: HTMLSelectElement, index: number) => {
      select.focus();
      select.selectedIndex = index;
      select.dispatchEvent(new Event('change'));
    };
    choose(quality!, 2);
    expect(fake.rendition).toBe('v240');
    choose(audio!, 1);
    expect(fake.audioTrack).toBe('a-de');
    choose(text!, 1);
    expect(fake.textTrack).toBe('t-en');
    choose(text!, 0);
    expect(fake.textTrack).toBeNull();
  });

  it('forwards the actions of its template reference to the player', async () => {
    await create({ src: SRC, autoplay: false });
    fake.ready();
    const component = fixture.componentInstance;
    component.play();
    expect(fake.paused).toBe(false);
    component.pause();
    expect(fake.paused).toBe(true);
    component.seekToLive();
    expect(fake.seekToLiveCount).toBe(1);
  });

  it('destroys the player, and stops exposing it, when the component is destroyed', async () => {
    await create({ src: SRC });
    const player = host.player!;
    const states: PlayerSnapshot[] = [];
    fixture.componentInstance.stateChange.subscribe((s) => states.push(s));
    fixture.destroy();
    expect(fake.destroyed).toBe(true);
    expect(player.engine).toBeNull();
    expect(host.player).toBeNull();
    expect(fake.listenerCount()).toBe(0);
    fake.ready();
    await sleep(0);
    expect(states).toEqual([]);
  });
});

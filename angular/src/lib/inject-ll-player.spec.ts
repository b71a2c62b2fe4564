import { createEnvironmentInjector, EnvironmentInjector, Injector, provideZonelessChangeDetection } from '@angular/core';
import { TestBed } from '@angular/core/testing';
import { FakeEngine, SAMPLE_TRACKS } from '@llstream/core/testing';
import { injectLLPlayer } from './inject-ll-player';
import { SRC, sleep } from './testing.spec-helpers';

describe('injectLLPlayer', () => {
  let fake: FakeEngine;
  let injector: EnvironmentInjector;
  const video = document.createElement('video');

  beforeEach(() => {
    fake = new FakeEngine();
    TestBed.configureTestingModule({ providers: [provideZonelessChangeDetection()] });
    injector = createEnvironmentInjector([], TestBed.inject(EnvironmentInjector));
  });

  afterEach(() => injector.destroy());

  const inject = (options: Parameters<typeof injectLLPlayer>[0] = {}) =>
    injector.runInContext(() => injectLLPlayer({ engine: () => fake, ...options }));

  it('throws outside an injection context without an injector', () => {
    expect(() => injectLLPlayer()).toThrowError(/injection context/);
  });

  it('passes the options to the core player', () => {
    const ll = inject({ targetLatency: 0.4, autoplay: true });
    expect(ll.targetLatency()).toBe(0.4);
    expect(ll.targetLatencySource()).toBe('option');
    ll.attach(video);
    ll.load(SRC);
    expect(fake.autoplay).toBe(true);
  });

  it('does not autoplay by default, as the core and a <video>', () => {
    const ll = inject();
    ll.attach(video);
    ll.load(SRC);
    expect(fake.autoplay).toBe(false);
  });

  it('gives the snapshot and each of its fields as signals that follow the player', async () => {
    const ll = inject({ targetLatency: 0.5, autoplay: true });
    expect(ll.status()).toBe('idle');
    ll.attach(video);
    ll.load(SRC);
    fake.ready();
    fake.liveLatency = 0.62;
    fake.emit('tracks', SAMPLE_TRACKS);
    await sleep(120);
    expect(ll.status()).toBe('playing');
    expect(ll.liveLatency()).toBe(0.62);
    expect(ll.renditions()).toEqual(SAMPLE_TRACKS.renditions);
    expect(ll.snapshot()).toBe(ll.player.getSnapshot());
  });

  it('forwards every action to the player', async () => {
    const ll = inject({ targetLatency: 0.5 });
    ll.attach(video);
    expect(fake.video).toBe(video);
    ll.load(SRC);
    fake.ready();
    fake.emit('tracks', SAMPLE_TRACKS);
    ll.play();
    expect(fake.paused).toBe(false);
    ll.pause();
    expect(fake.paused).toBe(true);
    ll.seekToLive();
    expect(fake.seekToLiveCount).toBe(1);
    ll.goLive(); // paused: seeks and plays
    expect(fake.paused).toBe(false);
    ll.setTargetLatency(0.9);
    expect(ll.player.getSnapshot().targetLatency).toBe(0.9);
    expect(() => ll.setTargetLatency(-1)).toThrowError(RangeError);
    ll.setMuted(true);
    expect(fake.muted).toBe(true);
    ll.setQuality('v240');
    expect(fake.rendition).toBe('v240');
    ll.setAudioTrack('a-de');
    expect(fake.audioTrack).toBe('a-de');
    ll.setTextTrack('t-en');
    expect(fake.textTrack).toBe('t-en');
    expect(() => ll.setQuality('nope')).toThrowError(RangeError);
  });

  it('destroys the player with its injector (DestroyRef), and takes an injector outside an injection context', async () => {
    const own = createEnvironmentInjector([], injector);
    const ll = injectLLPlayer({ engine: () => fake, injector: own.get(Injector) });
    ll.attach(video);
    ll.load(SRC);
    own.destroy();
    expect(fake.destroyed).toBe(true);
    expect(ll.player.engine).toBeNull();
    const before = ll.snapshot();
    fake.ready();
    await sleep(60);
    expect(ll.snapshot()).toBe(before);
  });
});

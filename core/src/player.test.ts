import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import type { PlayerEventMap } from './events/player-events.js';
import { createPlayer, type PlayerOptions } from './player.js';
import { PlayerError } from './player-error.js';
import { DEFAULT_TARGET_LATENCY, LATENCY_SAMPLE_INTERVAL_MS } from './store/player-snapshot.js';
import { FakeEngine, type FakeEngineOptions } from './testing/fake-engine.js';
import { SAMPLE_TRACKS } from './testing/sample-tracks.js';

const SRC = 'http://origin.test/live/demo/manifest.mpd';

// The fake engine never touches the element, so a stand-in is enough without a DOM.
const video = {} as HTMLVideoElement;

/** Lets the store's microtask flush (and the events derived from it) run. */
const settle = (): Promise<void> => Promise.resolve();

/** A player on a fake engine; `autoplay` on unless `options` say otherwise (most tests watch playback). */
function setup(options: Omit<PlayerOptions<FakeEngine>, 'engine'> = {}, fakeOptions: FakeEngineOptions = {}) {
  const fake = new FakeEngine(fakeOptions);
  const player = createPlayer({ autoplay: true, ...options, engine: () => fake });
  return { fake, player };
}

function record<K extends keyof PlayerEventMap>(player: { on: (type: K, listener: (payload: PlayerEventMap[K]) => void) => unknown }, type: K) {
  const payloads: PlayerEventMap[K][] = [];
  player.on(type, (payload) => payloads.push(payload));
  return payloads;
}

beforeEach(() => {
  vi.useFakeTimers();
});

afterEach(() => {
  vi.useRealTimers();
});

describe('createPlayer', () => {
  it('starts idle with the automatic target at its initial value and hands it to the engine', () => {
    const { fake, player } = setup();
    expect(player.getSnapshot()).toMatchObject({
      status: 'idle',
      src: null,
      liveLatency: null,
      targetLatency: DEFAULT_TARGET_LATENCY,
      targetLatencySource: 'auto',
      stallCount: 0,
      stallTime: 0,
      throughput: null,
      error: null,
    });
    expect(fake.targetLatency).toBe(DEFAULT_TARGET_LATENCY);
  });

  it('rejects live-control options out of range, naming the option and value', () => {
    expect(() => setup({ minPlaybackRate: 1.2 })).toThrow(new RangeError('minPlaybackRate must be a number from 0.5 to 1, got 1.2.'));
    expect(() => setup({ maxPlaybackRate: 0.9 })).toThrow(new RangeError('maxPlaybackRate must be a number from 1 to 2, got 0.9.'));
    expect(() => setup({ minLatency: 2, maxLatency: 1 })).toThrow(new RangeError('maxLatency must be a number from 2 to 60, got 1.'));
    expect(() => setup({ minLatency: 0 })).toThrow(RangeError);
  });

  it('rejects an invalid targetLatency option with a RangeError naming the value', () => {
    for (const value of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => setup({ targetLatency: value })).toThrow(new RangeError(`targetLatency must be a finite number of seconds greater than 0, got ${String(value)}.`));
    }
    expect(() => setup({ targetLatency: '1' as unknown as number })).toThrow(RangeError);
  });

  it('refuses to load before attach(), and refuses an empty src', () => {
    const { fake, player } = setup();
    expect(() => player.load(SRC)).toThrow('load() needs a video element: call attach(video) first.');
    player.attach(video);
    expect(() => player.load('')).toThrow(TypeError);
    expect(fake.src).toBeNull();
  });

  it('goes loading -> playing on load with autoplay, measuring time to first frame', async () => {
    const { fake, player } = setup();
    const states = record(player, 'statechange');
    player.attach(video);
    player.load(SRC);
    expect(fake.src).toBe(SRC);
    expect(fake.autoplay).toBe(true);
    expect(player.getSnapshot()).toMatchObject({ status: 'loading', src: SRC });
    await settle();
    vi.advanceTimersByTime(250);
    fake.ready();
    await settle();
    expect(player.getSnapshot()).toMatchObject({ status: 'playing', timeToFirstFrame: 0.25 });
    expect(states.map((snapshot) => snapshot.status)).toEqual(['loading', 'playing']);
    expect(states[1]).toBe(player.getSnapshot());
  });

  it('counts a stall when the buffer runs dry while playing, not during start-up or while paused', async () => {
    const { fake, player } = setup();
    const stalls = record(player, 'stall');
    player.attach(video);
    player.load(SRC);
    fake.emit('waiting');
    expect(player.getSnapshot().status).toBe('loading');
    fake.ready();
    fake.liveLatency = 1.2;
    vi.advanceTimersByTime(100);
    fake.emit('waiting');
    expect(player.getSnapshot()).toMatchObject({ status: 'stalled', stallCount: 1 });
    await settle();
    expect(stalls).toEqual([{ stallCount: 1, liveLatency: 1.2 }]);
    fake.emit('playing');
    expect(player.getSnapshot().status).toBe('playing');
    player.pause();
    fake.emit('waiting');
    expect(player.getSnapshot()).toMatchObject({ status: 'paused', stallCount: 1 });
    player.play();
    fake.emit('waiting');
    expect(player.getSnapshot()).toMatchObject({ status: 'stalled', stallCount: 2 });
  });

  it('waits paused on the first frame without autoplay (the default, as for a <video>), and plays on play()', () => {
    const fake = new FakeEngine();
    const player = createPlayer({ engine: () => fake });
    player.attach(video);
    player.load(SRC);
    fake.ready();
    expect(player.getSnapshot().status).toBe('paused');
    expect(fake.paused).toBe(true);
    player.play();
    expect(player.getSnapshot().status).toBe('playing');
  });

  it('mutes itself and plays when the browser refuses unmuted autoplay', () => {
    const { fake, player } = setup({}, { unmutedAutoplay: false });
    player.attach(video);
    expect(player.getSnapshot().muted).toBe(false);
    player.load(SRC);
    fake.ready();
    expect(fake.muted).toBe(true);
    expect(player.getSnapshot()).toMatchObject({ status: 'playing', muted: true });
  });

  it('shows paused when the browser refuses to play even muted', () => {
    const { fake, player } = setup({ muted: true });
    player.attach(video);
    player.load(SRC);
    fake.emit('playnotallowed');
    expect(player.getSnapshot()).toMatchObject({ status: 'paused', muted: true });
  });

  it('applies the muted option on attach and forwards setMuted()', () => {
    const { fake, player } = setup({ muted: true });
    player.attach(video);
    expect(fake.muted).toBe(true);
    expect(player.getSnapshot().muted).toBe(true);
    player.setMuted(false);
    expect(fake.muted).toBe(false);
    expect(player.getSnapshot().muted).toBe(false);
  });

  it('publishes live latency and buffer ahead every 50 ms, rounded to the millisecond, and catches up with the playback rate', async () => {
    const { fake, player } = setup({ targetLatency: 0.5 });
    const changes = record(player, 'latencychange');
    const states = record(player, 'statechange');
    player.attach(video);
    player.load(SRC);
    fake.ready();
    await settle();
    fake.liveLatency = 0.98765;
    fake.bufferAhead = 0.91234;
    vi.advanceTimersByTime(LATENCY_SAMPLE_INTERVAL_MS);
    // 0.49 s over target: the rate leaves 1 upward, by at most the slew limit per tick.
    expect(fake.playbackRate).toBeGreaterThan(1);
    expect(fake.playbackRate).toBeLessThanOrEqual(1.05);
    expect(player.getSnapshot()).toMatchObject({ liveLatency: 0.988, bufferAhead: 0.912, playbackRate: fake.playbackRate });
    await settle();
    expect(changes).toEqual([{ liveLatency: 0.988, targetLatency: 0.5 }]);
    expect(states.at(-1)).toMatchObject({ status: 'playing', liveLatency: 0.988, bufferAhead: 0.912 });
    fake.liveLatency = 1.1;
    vi.advanceTimersByTime(LATENCY_SAMPLE_INTERVAL_MS);
    expect(player.getSnapshot().liveLatency).toBe(1.1);
    vi.advanceTimersByTime(3000);
    expect(fake.playbackRate).toBe(1.15);
  });

  it('slows below real time when the buffer ahead falls under the floor, even above target', () => {
    const { fake, player } = setup({ targetLatency: 0.5 });
    player.attach(video);
    player.load(SRC);
    fake.ready();
    fake.liveLatency = 0.6;
    fake.bufferAhead = 0.005;
    vi.advanceTimersByTime(1000);
    expect(fake.playbackRate).toBeLessThan(1);
    expect(fake.playbackRate).toBeGreaterThanOrEqual(0.9);
  });

  it('keeps the same snapshot and stays quiet while the samples do not change', async () => {
    const { fake, player } = setup({ targetLatency: 1 });
    player.attach(video);
    player.load(SRC);
    fake.ready();
    fake.liveLatency = 1;
    fake.bufferAhead = 0.8;
    vi.advanceTimersByTime(100);
    await settle();
    const listener = vi.fn();
    player.subscribe(listener);
    const states = record(player, 'statechange');
    const snapshot = player.getSnapshot();
    vi.advanceTimersByTime(1000);
    await settle();
    expect(player.getSnapshot()).toBe(snapshot);
    expect(listener).not.toHaveBeenCalled();
    expect(states).toEqual([]);
  });

  it('keeps its automatic target whatever the manifest ServiceDescription says, and a fixed one when the page set it', () => {
    const { fake, player } = setup();
    player.attach(video);
    player.load(SRC);
    fake.emit('manifestloaded', { targetLatency: 2.5, availabilityStartTime: null, utcTiming: [] });
    expect(player.getSnapshot()).toMatchObject({ targetLatency: DEFAULT_TARGET_LATENCY, targetLatencySource: 'auto' });
    expect(fake.targetLatency).toBe(DEFAULT_TARGET_LATENCY);

    const fixed = setup({ targetLatency: 0.8 });
    fixed.player.attach(video);
    fixed.player.load(SRC);
    fixed.fake.emit('manifestloaded', { targetLatency: 2.5, availabilityStartTime: null, utcTiming: [] });
    expect(fixed.player.getSnapshot()).toMatchObject({ targetLatency: 0.8, targetLatencySource: 'option' });
    expect(fixed.fake.targetLatency).toBe(0.8);
  });

  it('validates setTargetLatency() and propagates it to the snapshot, the engine and latencychange', async () => {
    const { fake, player } = setup();
    const changes = record(player, 'latencychange');
    player.attach(video);
    player.load(SRC);
    fake.emit('manifestloaded', { targetLatency: 2, availabilityStartTime: null, utcTiming: [] });
    expect(() => player.setTargetLatency(-0.5)).toThrow(new RangeError('targetLatency must be a finite number of seconds greater than 0, got -0.5.'));
    expect(() => player.setTargetLatency(Number.NaN)).toThrow(RangeError);
    await settle();
    player.setTargetLatency(0.3);
    expect(player.getSnapshot()).toMatchObject({ targetLatency: 0.3, targetLatencySource: 'option' });
    expect(fake.targetLatency).toBe(0.3);
    await settle();
    player.setTargetLatency(null);
    expect(player.getSnapshot()).toMatchObject({ targetLatency: DEFAULT_TARGET_LATENCY, targetLatencySource: 'auto' });
    await settle();
    expect(changes.map((change) => change.targetLatency)).toEqual([0.3, DEFAULT_TARGET_LATENCY]);
  });

  it('seeks to live with a skip to the target once latency is known (the engine jumps before), and forwards play() and pause()', async () => {
    const { fake, player } = setup({ autoplay: false, targetLatency: 0.5 });
    player.attach(video);
    player.load(SRC);
    player.seekToLive();
    expect(fake.seekToLiveCount).toBe(1);
    fake.liveLatency = 2;
    vi.advanceTimersByTime(LATENCY_SAMPLE_INTERVAL_MS);
    await settle();
    player.seekToLive();
    expect(fake.seeks).toEqual([1.5]);
    expect(fake.seekToLiveCount).toBe(1);
    player.play();
    expect(fake.paused).toBe(false);
    player.pause();
    expect(fake.paused).toBe(true);
    expect(player.getSnapshot().status).toBe('paused');
  });

  it('reports a fatal error in the snapshot and as an event, until the next load()', async () => {
    const { fake, player } = setup();
    const errors = record(player, 'error');
    player.attach(video);
    player.load(SRC);
    fake.ready();
    const failure = new PlayerError('manifest', 'The MPD could not be parsed.');
    fake.emit('error', failure);
    fake.emit('playing');
    expect(player.getSnapshot()).toMatchObject({ status: 'error', error: failure });
    await settle();
    expect(errors).toEqual([failure]);
    expect(errors[0]?.code).toBe('manifest');
    player.load(SRC);
    expect(player.getSnapshot()).toMatchObject({ status: 'loading', error: null, stallCount: 0 });
  });

  it('exposes the engine object as the escape hatch', () => {
    const { fake, player } = setup();
    expect(player.engine).toBe(fake);
  });

  it('skips back to the target once data returns after a stall, which playback reports to the control loop as it happens', () => {
    const { fake, player } = setup({ targetLatency: 0.5 });
    player.attach(video);
    player.load(SRC);
    fake.ready();
    fake.liveLatency = 0.5;
    fake.bufferAhead = 0.5;
    vi.advanceTimersByTime(100);
    expect(fake.seeks).toEqual([]);
    // A second's stall: latency grows by the time the buffer was dry, and data comes back with buffer to spare.
    fake.emit('waiting');
    fake.liveLatency = 1.1;
    vi.advanceTimersByTime(1000);
    fake.bufferAhead = 1;
    fake.emit('playing');
    vi.advanceTimersByTime(100);
    // 0.6 s over target is catch-up's to walk back (it skips at 1.5 s over); after a stall the player skips.
    expect(fake.seeks.length).toBeGreaterThan(0);
  });

  it('unload() releases the stream but keeps the player: idle, no src, no timer, and load() plays again', async () => {
    const { fake, player } = setup({ targetLatency: 0.6 });
    const onState = vi.fn();
    player.on('statechange', onState);
    player.attach(video);
    player.load(SRC);
    fake.emit('tracks', SAMPLE_TRACKS);
    fake.ready();
    fake.liveLatency = 0.6;
    fake.bufferAhead = 0.4;
    vi.advanceTimersByTime(100);
    fake.emit('waiting');
    expect(player.getSnapshot()).toMatchObject({ status: 'stalled', stallCount: 1, liveLatency: 0.6 });

    player.unload();
    expect(fake.unloadCount).toBe(1);
    expect(player.getSnapshot()).toMatchObject({
      status: 'idle',
      src: null,
      stallCount: 0,
      liveLatency: null,
      renditions: [],
      targetLatency: 0.6,
      targetLatencySource: 'option',
    });
    expect(vi.getTimerCount()).toBe(0);
    await settle();
    expect(onState).toHaveBeenLastCalledWith(expect.objectContaining({ status: 'idle' }));

    player.load(SRC);
    fake.ready();
    expect(player.getSnapshot()).toMatchObject({ status: 'playing', src: SRC });
    player.destroy();
    player.unload();
    expect(fake.unloadCount).toBe(1);
  });

  it('releases the engine, its timer and every listener on destroy(), and is idempotent', async () => {
    const { fake, player } = setup();
    player.attach(video);
    player.load(SRC);
    fake.ready();
    const listener = vi.fn();
    const onState = vi.fn();
    player.subscribe(listener);
    player.on('statechange', onState);
    expect(vi.getTimerCount()).toBe(1);

    player.destroy();
    player.destroy();
    expect(fake.destroyed).toBe(true);
    expect(fake.listenerCount()).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
    expect(player.engine).toBeNull();

    const last = player.getSnapshot();
    fake.emit('pause');
    await settle();
    expect(player.getSnapshot()).toBe(last);
    expect(listener).not.toHaveBeenCalled();
    expect(onState).not.toHaveBeenCalled();
    expect(() => player.load(SRC)).toThrow('destroyed');
    expect(() => player.attach(video)).toThrow('destroyed');
  });
});

import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import type { PlayerEventMap } from './events/player-events.js';
import { createPlayer, type PlayerOptions } from './player.js';
import { PlayerError } from './player-error.js';
import { FakeEngine, type FakeEngineOptions } from './testing/fake-engine.js';

const SRC = 'http://origin.test/live/demo/manifest.mpd';

// The fake engine never touches the element, so a stand-in is enough without a DOM.
const video = {} as HTMLVideoElement;

/** Lets the store's microtask flush (and the events derived from it) run. */
const settle = (): Promise<void> => Promise.resolve();

function setup(options: Omit<PlayerOptions<FakeEngine>, 'engine'> = {}, fakeOptions: FakeEngineOptions = {}) {
  const fake = new FakeEngine(fakeOptions);
  const player = createPlayer({ ...options, engine: () => fake });
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
  it('starts idle with the default target latency and hands the target to the engine', () => {
    const { fake, player } = setup();
    expect(player.getSnapshot()).toMatchObject({
      status: 'idle',
      src: null,
      liveLatency: null,
      targetLatency: 1,
      targetLatencySource: 'default',
      stallCount: 0,
      error: null,
    });
    expect(fake.targetLatency).toBe(1);
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

  it('waits paused on the first frame without autoplay, and plays on play()', () => {
    const { fake, player } = setup({ autoplay: false });
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

  it('publishes live latency, buffer ahead and playback rate every 100 ms, rounded to the millisecond', async () => {
    const { fake, player } = setup();
    const changes = record(player, 'latencychange');
    const states = record(player, 'statechange');
    player.attach(video);
    player.load(SRC);
    fake.ready();
    await settle();
    fake.liveLatency = 0.98765;
    fake.bufferAhead = 0.41234;
    fake.playbackRate = 1.05;
    vi.advanceTimersByTime(100);
    expect(player.getSnapshot()).toMatchObject({ liveLatency: 0.988, bufferAhead: 0.412, playbackRate: 1.05 });
    await settle();
    expect(changes).toEqual([{ liveLatency: 0.988, targetLatency: 1 }]);
    expect(states.at(-1)).toMatchObject({ status: 'playing', liveLatency: 0.988, bufferAhead: 0.412 });
    fake.liveLatency = 1.1;
    vi.advanceTimersByTime(100);
    expect(player.getSnapshot().liveLatency).toBe(1.1);
  });

  it('keeps the same snapshot and stays quiet while the samples do not change', async () => {
    const { fake, player } = setup();
    player.attach(video);
    player.load(SRC);
    fake.ready();
    fake.liveLatency = 1;
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

  it('follows the manifest ServiceDescription target unless the page set one', () => {
    const { fake, player } = setup();
    player.attach(video);
    player.load(SRC);
    fake.emit('manifestloaded', { targetLatency: 2.5, availabilityStartTime: null });
    expect(player.getSnapshot()).toMatchObject({ targetLatency: 2.5, targetLatencySource: 'manifest' });
    expect(fake.targetLatency).toBe(2.5);

    const fixed = setup({ targetLatency: 0.8 });
    fixed.player.attach(video);
    fixed.player.load(SRC);
    fixed.fake.emit('manifestloaded', { targetLatency: 2.5, availabilityStartTime: null });
    expect(fixed.player.getSnapshot()).toMatchObject({ targetLatency: 0.8, targetLatencySource: 'option' });
    expect(fixed.fake.targetLatency).toBe(0.8);
  });

  it('validates setTargetLatency() and propagates it to the snapshot, the engine and latencychange', async () => {
    const { fake, player } = setup();
    const changes = record(player, 'latencychange');
    player.attach(video);
    player.load(SRC);
    fake.emit('manifestloaded', { targetLatency: 2, availabilityStartTime: null });
    expect(() => player.setTargetLatency(-0.5)).toThrow(new RangeError('targetLatency must be a finite number of seconds greater than 0, got -0.5.'));
    expect(() => player.setTargetLatency(Number.NaN)).toThrow(RangeError);
    await settle();
    player.setTargetLatency(0.5);
    expect(player.getSnapshot()).toMatchObject({ targetLatency: 0.5, targetLatencySource: 'option' });
    expect(fake.targetLatency).toBe(0.5);
    await settle();
    player.setTargetLatency(null);
    expect(player.getSnapshot()).toMatchObject({ targetLatency: 2, targetLatencySource: 'manifest' });
    await settle();
    expect(changes.map((change) => change.targetLatency)).toEqual([2, 0.5, 2]);
  });

  it('forwards seekToLive(), play() and pause() to the engine', () => {
    const { fake, player } = setup({ autoplay: false });
    player.attach(video);
    player.load(SRC);
    player.seekToLive();
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

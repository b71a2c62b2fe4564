import { PlayerError, type Player, type PlayerSnapshot } from '@llstream/core';
import { FakeEngine, SAMPLE_TRACKS } from '@llstream/core/testing';
import { act, cleanup, fireEvent, render, screen } from '@testing-library/react';
import { createRef, StrictMode } from 'react';
import { renderToString } from 'react-dom/server';
import { hydrateRoot } from 'react-dom/client';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import { LLPlayer, type LLPlayerProps } from './ll-player.js';
import { useLLPlayer } from './use-ll-player.js';

const SRC = 'http://origin.test/live/demo/manifest.mpd';

/** Lets the player's microtask flush (snapshot listeners and events) reach React. */
const settle = () => act(async () => {});

/** An engine factory whose fakes are listed in creation order. */
function fakeEngines() {
  const fakes: FakeEngine[] = [];
  const engine = () => {
    const fake = new FakeEngine();
    fakes.push(fake);
    return fake;
  };
  return { fakes, engine };
}

function renderPlayer(props: Omit<LLPlayerProps, 'engine'> = {}) {
  const { fakes, engine } = fakeEngines();
  const ref = createRef<Player<unknown>>();
  const view = render(<LLPlayer ref={ref} engine={engine} {...props} />);
  const rerender = (next: Omit<LLPlayerProps, 'engine'>) => view.rerender(<LLPlayer ref={ref} engine={engine} {...next} />);
  return { ...view, rerender, fakes, ref, video: view.container.querySelector('video') as HTMLVideoElement };
}

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'setTimeout', 'clearTimeout', 'Date'] });
});

afterEach(() => {
  cleanup();
  vi.useRealTimers();
  vi.restoreAllMocks();
});

describe('LLPlayer', () => {
  it('creates one player on mount with options from its props, plays into its video and loads src', async () => {
    const { fakes, video, ref } = renderPlayer({ src: SRC, targetLatency: 0.8, muted: true, autoPlay: true, controls: true });
    await settle();
    expect(fakes).toHaveLength(1);
    expect(fakes[0]).toMatchObject({ video, src: SRC, loadCount: 1, autoplay: true, muted: true, targetLatency: 0.8 });
    expect(video.controls).toBe(true);
    expect(video.playsInline).toBe(true);
    expect(ref.current?.engine).toBe(fakes[0]);
    expect(ref.current?.getSnapshot()).toMatchObject({ status: 'loading', src: SRC, targetLatency: 0.8, targetLatencySource: 'option' });
  });

  it('forwards prop changes: a new src reloads, target latency and muted reach the same player', async () => {
    const { fakes, ref, rerender } = renderPlayer({ src: SRC, autoPlay: false });
    await settle();
    const fake = fakes[0] as FakeEngine;
    rerender({ src: 'http://origin.test/live/other/manifest.mpd', autoPlay: false });
    await settle();
    expect(fake).toMatchObject({ src: 'http://origin.test/live/other/manifest.mpd', loadCount: 2, autoplay: false });
    rerender({ src: 'http://origin.test/live/other/manifest.mpd', targetLatency: 0.4, muted: true });
    await settle();
    expect(fake).toMatchObject({ targetLatency: 0.4, muted: true });
    expect(ref.current?.getSnapshot()).toMatchObject({ targetLatency: 0.4, targetLatencySource: 'option', muted: true });
    rerender({ src: 'http://origin.test/live/other/manifest.mpd', muted: false });
    await settle();
    expect(ref.current?.getSnapshot()).toMatchObject({ targetLatencySource: 'auto', muted: false });
    expect(fakes).toHaveLength(1);
    expect(fake.loadCount).toBe(2);
  });

  it('starts over with an idle player when src is removed', async () => {
    const { fakes, ref, rerender } = renderPlayer({ src: SRC });
    await settle();
    rerender({});
    await settle();
    expect(fakes).toHaveLength(2);
    expect(fakes[0]?.destroyed).toBe(true);
    expect(fakes[1]).toMatchObject({ destroyed: false, loadCount: 0 });
    expect(ref.current?.getSnapshot().status).toBe('idle');
  });

  it('calls onStateChange, onLatencyChange, onStall and onError with the player events', async () => {
    const onStateChange = vi.fn<(state: PlayerSnapshot) => void>();
    const onLatencyChange = vi.fn();
    const onStall = vi.fn();
    const onError = vi.fn();
    // A fixed target at the latency played, with buffer to spare: catch-up leaves the rate alone.
    const { fakes } = renderPlayer({ src: SRC, autoPlay: true, targetLatency: 0.97, onStateChange, onLatencyChange, onStall, onError });
    await settle();
    const fake = fakes[0] as FakeEngine;
    act(() => fake.ready());
    fake.liveLatency = 0.97;
    fake.bufferAhead = 0.5;
    await act(async () => vi.advanceTimersByTime(100));
    const failure = new PlayerError('network', 'init segment unavailable');
    act(() => fake.emit('error', failure));
    await settle();

    expect(onStateChange.mock.calls.map(([state]) => state.status)).toEqual(expect.arrayContaining(['loading', 'playing', 'error']));
    expect(onLatencyChange).toHaveBeenCalledWith({ liveLatency: 0.97, targetLatency: 0.97 });
    expect(onError).toHaveBeenCalledExactlyOnceWith(failure);
    expect(onStall).not.toHaveBeenCalled();
  });

  it('calls the latest callbacks after a re-render, without subscribing again', async () => {
    const first = vi.fn();
    const second = vi.fn();
    const { fakes, rerender } = renderPlayer({ src: SRC, onError: first });
    await settle();
    const fake = fakes[0] as FakeEngine;
    const listeners = fake.listenerCount();
    rerender({ src: SRC, onError: second });
    await settle();
    act(() => fake.emit('error', new PlayerError('network', 'gone')));
    await settle();
    expect(first).not.toHaveBeenCalled();
    expect(second).toHaveBeenCalledOnce();
    expect(fake.listenerCount()).toBe(listeners);
  });

  it('destroys the player on unmount and removes every listener it registered', async () => {
    const { fakes, ref, unmount } = renderPlayer({ src: SRC });
    await settle();
    const fake = fakes[0] as FakeEngine;
    unmount();
    expect(fake.destroyed).toBe(true);
    expect(fake.listenerCount()).toBe(0);
    expect(ref.current).toBeNull();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('under StrictMode leaves exactly one live player, and none after unmount', async () => {
    const { fakes, engine } = fakeEngines();
    const ref = createRef<Player<unknown>>();
    const view = render(
      <StrictMode>
        <LLPlayer ref={ref} engine={engine} src={SRC} />
      </StrictMode>,
    );
    await settle();
    const live = fakes.filter((fake) => !fake.destroyed);
    expect(live).toHaveLength(1);
    expect(fakes.filter((fake) => fake.loadCount > 0)).toEqual(live);
    expect(fakes.every((fake) => fake.destroyed || fake.listenerCount() > 0)).toBe(true);
    expect(fakes.filter((fake) => fake.destroyed).every((fake) => fake.listenerCount() === 0)).toBe(true);
    expect(ref.current?.engine).toBe(live[0]);
    view.unmount();
    expect(fakes.every((fake) => fake.destroyed && fake.listenerCount() === 0)).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('shows the latency readout and status line from the snapshot', async () => {
    const { fakes } = renderPlayer({ src: SRC, autoPlay: true, targetLatency: 0.3 });
    await settle();
    expect(screen.getByRole('status').textContent).toBe('Loading…');
    const fake = fakes[0] as FakeEngine;
    act(() => fake.ready());
    fake.liveLatency = 0.3;
    fake.bufferAhead = 0.5;
    await act(async () => vi.advanceTimersByTime(100));
    expect(screen.getByText(/^Latency/).textContent).toBe('Latency 0.30 s · target 0.30 s');
    expect(screen.getByRole('status').textContent).toBe('');
    expect(screen.queryByRole('button', { name: 'Go live' })).toBeNull();
  });

  it('offers "Go live" when paused, which seeks to live and plays', async () => {
    const { fakes } = renderPlayer({ src: SRC, autoPlay: true, targetLatency: 0.3 });
    await settle();
    const fake = fakes[0] as FakeEngine;
    act(() => fake.ready());
    await settle();
    act(() => fake.pause());
    await settle();
    fireEvent.click(screen.getByRole('button', { name: 'Go live' }));
    await settle();
    expect(fake.seekToLiveCount).toBe(1);
    expect(fake.paused).toBe(false);
    expect(screen.queryByRole('button', { name: 'Go live' })).toBeNull();
  });

  it('offers quality, audio and subtitle pickers when the stream has a choice, and forwards the choice', async () => {
    const { fakes } = renderPlayer({ src: SRC });
    await settle();
    expect(screen.queryByRole('combobox')).toBeNull();
    const fake = fakes[0] as FakeEngine;
    act(() =>
      fake.emit('tracks', SAMPLE_TRACKS),
    );
    await settle();
    const quality = screen.getByRole('combobox', { name: 'Quality' }) as HTMLSelectElement;
    expect([...quality.options].map((o) => o.text)).toEqual(['Auto', '720p · 2.5 Mb/s', '240p · 250 kb/s']);
    expect(quality.value).toBe('auto');
    fireEvent.change(quality, { target: { value: 'v240' } });
    expect(fake.rendition).toBe('v240');

    const audio = screen.getByRole('combobox', { name: 'Audio' }) as HTMLSelectElement;
    expect([...audio.options].map((o) => o.text)).toEqual(['English (stereo)', 'Deutsch (5.1)']);
    fireEvent.change(audio, { target: { value: 'a-de' } });
    expect(fake.audioTrack).toBe('a-de');

    const subtitles = screen.getByRole('combobox', { name: 'Subtitles' }) as HTMLSelectElement;
    expect(subtitles.value).toBe('');
    fireEvent.change(subtitles, { target: { value: 't-en' } });
    expect(fake.textTrack).toBe('t-en');
    fireEvent.change(subtitles, { target: { value: '' } });
    expect(fake.textTrack).toBeNull();
  });

  it('lets children replace the overlay, as nodes or as a function of state and player', async () => {
    const { fakes, rerender } = renderPlayer({ src: SRC, children: <p>custom</p> });
    await settle();
    expect(screen.getByText('custom')).toBeTruthy();
    expect(screen.queryByText(/^Latency/)).toBeNull();
    rerender({ src: SRC, children: ({ state, player }) => <p>{`${state.status} ${player?.engine === fakes[0]}`}</p> });
    await settle();
    expect(screen.getByText('loading true')).toBeTruthy();
  });

  it('applies className and style to the wrapper and videoProps to the video', () => {
    const { container, video } = renderPlayer({ className: 'stage', style: { aspectRatio: '4 / 3' }, videoProps: { 'aria-label': 'Live' } });
    const wrapper = container.firstElementChild as HTMLElement;
    expect(wrapper.className).toBe('stage');
    expect(wrapper.style.aspectRatio).toBe('4 / 3');
    expect(wrapper.style.position).toBe('relative');
    expect(video.getAttribute('aria-label')).toBe('Live');
  });

  it('throws the core RangeError for an invalid target latency', () => {
    vi.spyOn(console, 'error').mockImplementation(() => {});
    expect(() => renderPlayer({ targetLatency: -1 })).toThrow(RangeError);
  });

  it('hydrates server-rendered markup without a mismatch, then creates the player', async () => {
    const { fakes, engine } = fakeEngines();
    const element = <LLPlayer engine={engine} src={SRC} targetLatency={0.3} />;
    const container = document.createElement('div');
    container.innerHTML = renderToString(element);
    document.body.append(container);
    expect(fakes).toHaveLength(0);
    const errors = vi.spyOn(console, 'error');
    const recoverable = vi.fn();
    const root = hydrateRoot(container, element, { onRecoverableError: recoverable });
    await settle();
    expect(errors).not.toHaveBeenCalled();
    expect(recoverable).not.toHaveBeenCalled();
    expect(fakes).toHaveLength(1);
    expect(fakes[0]?.video).toBe(container.querySelector('video'));
    act(() => root.unmount());
    container.remove();
  });
});

describe('useLLPlayer', () => {
  it('plays into the element given to ref and returns the snapshot and the player', async () => {
    const { fakes, engine } = fakeEngines();
    const seen: Array<{ status: string; player: boolean }> = [];
    function Custom() {
      const { ref, state, player } = useLLPlayer({ src: SRC, engine, targetLatency: 0.5 });
      seen.push({ status: state.status, player: player !== null });
      return (
        <>
          <video ref={ref} data-testid="video" />
          <button type="button" onClick={() => player?.pause()}>
            {state.status}
          </button>
        </>
      );
    }
    render(<Custom />);
    await settle();
    expect(seen[0]).toEqual({ status: 'idle', player: false });
    expect(fakes[0]?.video).toBe(screen.getByTestId('video'));
    const fake = fakes[0] as FakeEngine;
    act(() => fake.ready());
    await settle();
    fireEvent.click(screen.getByRole('button', { name: 'playing' }));
    await settle();
    expect(screen.getByRole('button', { name: 'paused' })).toBeTruthy();
    expect(fake.paused).toBe(true);
  });
});

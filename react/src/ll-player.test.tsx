import { PlayerError, type Player, type PlayerSnapshot } from '@llstream/core';
import { FakeEngine } from '@llstream/core/testing';
import { act, cleanup, fireEvent, render, screen } from '@testing-library/react';
import { createRef, StrictMode } from 'react';
import { renderToString } from 'react-dom/server';
import { hydrateRoot } from 'react-dom/client';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import type { LLPlayerElement } from '@llstream/vanilla';

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
  return { ...view, rerender, fakes, ref, element: view.container.querySelector('ll-player') as LLPlayerElement };
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
  it('renders <ll-player> and creates one player with options from its props, playing into the element\'s video', async () => {
    const { fakes, ref, element } = renderPlayer({ src: SRC, targetLatency: 0.8, muted: true, autoPlay: true, controls: true, minLatency: 0.2 });
    await settle();
    expect(element.localName).toBe('ll-player');
    expect(fakes).toHaveLength(1);
    expect(fakes[0]).toMatchObject({ video: element.video, src: SRC, loadCount: 1, autoplay: true, muted: true, targetLatency: 0.8 });
    expect(ref.current).toBe(element.player);
    expect(ref.current?.engine).toBe(fakes[0]);
    expect(ref.current?.getSnapshot()).toMatchObject({ status: 'loading', src: SRC, targetLatency: 0.8, targetLatencySource: 'option' });
    // The one default UI: the element's own control bar.
    expect(element.controls).toBe(true);
    // Autoplay is on: the button offers to pause.
    expect(element.shadowRoot?.querySelector('[part="play-button"]')?.getAttribute('aria-label')).toBe('Pause');
  });

  it('has the same defaults as <ll-player>: no autoplay, unmuted, no controls, automatic target', async () => {
    const { fakes, ref, element } = renderPlayer({ src: SRC });
    await settle();
    expect(fakes[0]).toMatchObject({ autoplay: false, muted: false });
    expect([element.autoplay, element.muted, element.controls]).toEqual([false, false, false]);
    expect(ref.current?.getSnapshot().targetLatencySource).toBe('auto');
  });

  it('forwards prop changes: a new src reloads, target latency and muted reach the same player', async () => {
    const { fakes, ref, rerender } = renderPlayer({ src: SRC });
    await settle();
    const fake = fakes[0] as FakeEngine;
    rerender({ src: 'http://origin.test/live/other/manifest.mpd' });
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
    expect(ref.current?.engine).toBe(fakes[1]);
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
    act(() => fake.emit('waiting'));
    await settle();
    const failure = new PlayerError('network', 'init segment unavailable');
    act(() => fake.emit('error', failure));
    await settle();

    expect(onStateChange.mock.calls.map(([state]) => state.status)).toEqual(expect.arrayContaining(['loading', 'playing', 'stalled', 'error']));
    expect(onLatencyChange).toHaveBeenCalledWith({ liveLatency: 0.97, targetLatency: 0.97 });
    expect(onStall).toHaveBeenCalledExactlyOnceWith({ stallCount: 1, liveLatency: 0.97 });
    expect(onError).toHaveBeenCalledExactlyOnceWith(failure);
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
    await settle();
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
    expect(fakes.filter((fake) => fake.destroyed).every((fake) => fake.listenerCount() === 0)).toBe(true);
    expect(ref.current?.engine).toBe(live[0]);
    view.unmount();
    await settle();
    expect(fakes.every((fake) => fake.destroyed && fake.listenerCount() === 0)).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('slots children over the video, as nodes or as a function of state and player', async () => {
    const { fakes, rerender, element } = renderPlayer({ src: SRC, children: <p>custom</p> });
    await settle();
    expect(screen.getByText('custom').parentElement).toBe(element);
    rerender({ src: SRC, children: ({ state, player }) => <p>{`${state.status} ${player?.engine === fakes[0]}`}</p> });
    await settle();
    expect(screen.getByText('loading true')).toBeTruthy();
    act(() => fakes[0]?.ready());
    await settle();
    expect(screen.getByText('paused true')).toBeTruthy();
  });

  it('applies className and style to the element', () => {
    const { element } = renderPlayer({ className: 'stage', style: { aspectRatio: '4 / 3' } });
    expect(element.className).toBe('stage');
    expect(element.style.aspectRatio).toBe('4 / 3');
  });

  it('throws the core RangeError for an invalid target latency, on mount and on update', async () => {
    vi.spyOn(console, 'error').mockImplementation(() => {});
    expect(() => renderPlayer({ targetLatency: -1 })).toThrow(new RangeError('targetLatency must be a finite number of seconds greater than 0, got -1.'));
    cleanup();
    const { rerender } = renderPlayer({ src: SRC });
    await settle();
    expect(() => rerender({ src: SRC, targetLatency: Number.NaN })).toThrow(RangeError);
  });

  it('hydrates server-rendered markup without a mismatch, then creates the player', async () => {
    const { fakes, engine } = fakeEngines();
    const tree = <LLPlayer engine={engine} src={SRC} targetLatency={0.3} muted controls />;
    const container = document.createElement('div');
    container.innerHTML = renderToString(tree);
    expect(fakes).toHaveLength(0);
    const errors = vi.spyOn(console, 'error');
    const recoverable = vi.fn();
    const root = hydrateRoot(container, tree, { onRecoverableError: recoverable });
    await settle();
    // Connected after hydration, so the first player is on the fake engine (markup upgraded before
    // hydration starts over when React sets engineFactory: see <ll-player>'s own tests).
    document.body.append(container);
    await settle();
    expect(errors).not.toHaveBeenCalled();
    expect(recoverable).not.toHaveBeenCalled();
    expect(fakes).toHaveLength(1);
    const element = container.querySelector('ll-player') as LLPlayerElement;
    expect(fakes[0]).toMatchObject({ video: element.video, src: SRC, muted: true, targetLatency: 0.3 });
    act(() => root.unmount());
    container.remove();
  });
});

describe('useLLPlayer', () => {
  it('plays into the element given to ref and returns the snapshot and the player', async () => {
    const { fakes, engine } = fakeEngines();
    const seen: Array<{ status: string; player: boolean }> = [];
    function Custom() {
      const { ref, state, player } = useLLPlayer({ src: SRC, engine, targetLatency: 0.5, autoPlay: true });
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

import { DEFAULT_TARGET_LATENCY, PlayerError } from '@llstream/core';
import { FakeEngine } from '@llstream/core/testing';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import './define.js';
import { LLPlayerElement } from './ll-player-element.js';

const SRC = 'http://origin.test/live/demo/manifest.mpd';

/** Lets the player's microtask flush (snapshot listeners and events) run. */
const settle = (): Promise<void> => Promise.resolve();

/** An element whose players run on fake engines; `fakes` lists them in creation order. */
function createElement(attributes: Record<string, string> = {}) {
  const fakes: FakeEngine[] = [];
  const element = document.createElement('ll-player');
  element.engineFactory = () => {
    const fake = new FakeEngine();
    fakes.push(fake);
    return fake;
  };
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, value);
  return { element, fakes };
}

function shadowPart(element: LLPlayerElement, part: string): HTMLElement {
  return element.shadowRoot?.querySelector(`[part="${part}"]`) as HTMLElement;
}

beforeEach(() => {
  vi.useFakeTimers();
});

afterEach(() => {
  document.body.replaceChildren();
  vi.useRealTimers();
  vi.restoreAllMocks();
});

describe('LLPlayerElement', () => {
  it('is registered as <ll-player> and renders a playsinline video part', () => {
    expect(customElements.get('ll-player')).toBe(LLPlayerElement);
    const { element } = createElement();
    expect(element).toBeInstanceOf(LLPlayerElement);
    expect(element.video.getAttribute('part')).toBe('video');
    expect(element.video.hasAttribute('playsinline')).toBe(true);
    expect(shadowPart(element, 'latency').getAttribute('aria-live')).toBe('off');
  });

  it('reflects attributes as camelCase properties and back', () => {
    const { element } = createElement();
    expect(element).toMatchObject({ src: '', targetLatency: null, muted: false, autoplay: false, controls: false });
    element.setAttribute('target-latency', '0.5');
    expect(element.targetLatency).toBe(0.5);
    element.targetLatency = 2;
    expect(element.getAttribute('target-latency')).toBe('2');
    element.targetLatency = null;
    expect(element.hasAttribute('target-latency')).toBe(false);
    expect(() => {
      element.targetLatency = -1;
    }).toThrow(RangeError);
    element.src = SRC;
    element.muted = true;
    element.autoplay = true;
    element.controls = true;
    expect(element.getAttribute('src')).toBe(SRC);
    expect(['muted', 'autoplay', 'controls'].every((name) => element.hasAttribute(name))).toBe(true);
    expect(element.video.controls).toBe(true);
    element.controls = false;
    expect(element.video.controls).toBe(false);
  });

  it('creates the player on connect with options from its attributes, and loads src', () => {
    const { element, fakes } = createElement({ src: SRC, 'target-latency': '0.8', muted: '', autoplay: '' });
    expect(element.player).toBeNull();
    document.body.append(element);
    const [fake] = fakes;
    expect(element.player?.engine).toBe(fake);
    expect(fake).toMatchObject({ video: element.video, src: SRC, autoplay: true, muted: true, targetLatency: 0.8 });
    expect(element.player?.getSnapshot()).toMatchObject({ status: 'loading', src: SRC, targetLatency: 0.8, muted: true });
  });

  it('forwards attribute changes to the player: reload on src, target latency, muted', () => {
    const { element, fakes } = createElement({ src: SRC });
    document.body.append(element);
    const [fake] = fakes;
    element.src = 'http://origin.test/live/other/manifest.mpd';
    expect(fake?.src).toBe('http://origin.test/live/other/manifest.mpd');
    element.setAttribute('target-latency', '0.4');
    expect(fake?.targetLatency).toBe(0.4);
    expect(element.player?.getSnapshot().targetLatencySource).toBe('option');
    element.removeAttribute('target-latency');
    expect(element.player?.getSnapshot().targetLatencySource).toBe('auto');
    element.muted = true;
    expect(fake?.muted).toBe(true);
    expect(element.muted).toBe(true);
  });

  it('ignores an invalid target-latency attribute with a warning', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const { element, fakes } = createElement({ 'target-latency': 'fast' });
    document.body.append(element);
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('target-latency="fast"'));
    expect(element.targetLatency).toBeNull();
    expect(fakes[0]?.targetLatency).toBe(DEFAULT_TARGET_LATENCY);
  });

  it('reports a refused autoplay that fell back to muted through the muted property', () => {
    const { element } = createElement({ src: SRC, autoplay: '' });
    element.engineFactory = () => new FakeEngine({ unmutedAutoplay: false });
    document.body.append(element);
    (element.player?.engine as FakeEngine).ready();
    expect(element.muted).toBe(true);
    expect(element.hasAttribute('muted')).toBe(false);
    element.muted = false;
    expect(element.player?.getSnapshot().muted).toBe(false);
  });

  it('re-dispatches statechange, latencychange and error as bubbling, composed CustomEvents', async () => {
    // A fixed target at the latency played, with buffer to spare: catch-up leaves the rate alone.
    const { element, fakes } = createElement({ src: SRC, autoplay: '', 'target-latency': '0.97' });
    const seen: CustomEvent[] = [];
    for (const type of ['statechange', 'latencychange', 'error']) {
      document.addEventListener(type, (event) => seen.push(event as CustomEvent));
    }
    document.body.append(element);
    const fake = fakes[0] as FakeEngine;
    await settle();
    fake.ready();
    fake.liveLatency = 0.97;
    fake.bufferAhead = 0.5;
    vi.advanceTimersByTime(100);
    await settle();
    const failure = new PlayerError('network', 'init segment unavailable');
    fake.emit('error', failure);
    await settle();

    expect(seen.map((event) => event.type)).toEqual(['statechange', 'statechange', 'latencychange', 'statechange', 'error']);
    expect(seen.every((event) => event.bubbles && event.composed && event.target === element)).toBe(true);
    expect(seen[1]?.detail).toMatchObject({ status: 'playing' });
    expect(seen[2]?.detail).toEqual({ liveLatency: 0.97, targetLatency: 0.97 });
    expect(seen[4]?.detail).toBe(failure);
  });

  it('updates the latency readout and the status text from the snapshot', async () => {
    const { element, fakes } = createElement({ src: SRC, autoplay: '' });
    document.body.append(element);
    const fake = fakes[0] as FakeEngine;
    const latency = shadowPart(element, 'latency');
    const status = shadowPart(element, 'status');
    expect(latency.textContent).toBe('Latency – · target 0.50 s');
    expect(status.textContent).toBe('Loading…');
    fake.ready();
    fake.liveLatency = 0.984;
    vi.advanceTimersByTime(100);
    await settle();
    expect(latency.textContent).toBe('Latency 0.98 s · target 0.50 s');
    expect(status.textContent).toBe('');
    fake.emit('waiting');
    await settle();
    expect(status.textContent).toBe('Buffering…');
    fake.emit('error', new PlayerError('manifest', 'The MPD could not be parsed.'));
    await settle();
    expect(status.textContent).toBe('Error: The MPD could not be parsed.');
  });

  it('destroys the player on disconnect and creates a new one on reconnect', () => {
    const { element, fakes } = createElement({ src: SRC });
    document.body.append(element);
    const first = fakes[0] as FakeEngine;
    element.remove();
    expect(first.destroyed).toBe(true);
    expect(first.listenerCount()).toBe(0);
    expect(element.player).toBeNull();
    expect(vi.getTimerCount()).toBe(0);
    document.body.append(element);
    expect(fakes).toHaveLength(2);
    expect(fakes[1]?.src).toBe(SRC);
  });

  it('starts over with an idle player when src is removed', () => {
    const { element, fakes } = createElement({ src: SRC });
    document.body.append(element);
    element.removeAttribute('src');
    expect(fakes[0]?.destroyed).toBe(true);
    expect(element.player?.getSnapshot().status).toBe('idle');
    expect(fakes[1]?.src).toBeNull();
  });
});

import { DEFAULT_TARGET_LATENCY, PlayerError } from '@llstream/core';
import { FakeEngine, SAMPLE_TRACKS } from '@llstream/core/testing';
import axe from 'axe-core';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { userEvent } from 'vitest/browser';

import './define.js';
import { LLPlayerElement } from './ll-player-element.js';

const SRC = 'http://origin.test/live/demo/manifest.mpd';

/** Lets the player's microtask flush (snapshot listeners and events) run. */
const settle = (): Promise<void> => Promise.resolve();

/** Connects `element`; its player is created in the microtask after. */
async function connect(element: HTMLElement): Promise<void> {
  document.body.append(element);
  await settle();
}

/** Disconnects `element`; its player is destroyed in the microtask after. */
async function disconnect(element: HTMLElement): Promise<void> {
  element.remove();
  await settle();
}

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
  it('is registered as <ll-player> and renders a playsinline video part', async () => {
    expect(customElements.get('ll-player')).toBe(LLPlayerElement);
    const { element } = createElement();
    expect(element).toBeInstanceOf(LLPlayerElement);
    expect(element.video.getAttribute('part')).toBe('video');
    expect(element.video.hasAttribute('playsinline')).toBe(true);
    expect(shadowPart(element, 'latency').getAttribute('aria-live')).toBe('off');
  });

  it('reflects attributes as camelCase properties and back', async () => {
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
    element.poster = 'http://origin.test/poster.jpg';
    expect(element.getAttribute('src')).toBe(SRC);
    expect(['muted', 'autoplay', 'controls'].every((name) => element.hasAttribute(name))).toBe(true);
    expect(element.getAttribute('poster')).toBe('http://origin.test/poster.jpg');
    expect(element.video.poster).toBe('http://origin.test/poster.jpg');
    // The default UI is the element's, not the browser's video controls.
    expect(element.video.controls).toBe(false);
    element.removeAttribute('poster');
    expect(element.video.hasAttribute('poster')).toBe(false);
  });

  it('creates the player on connect with options from its attributes, and loads src', async () => {
    const { element, fakes } = createElement({ src: SRC, 'target-latency': '0.8', muted: '', autoplay: '' });
    expect(element.player).toBeNull();
    await connect(element);
    const [fake] = fakes;
    expect(element.player?.engine).toBe(fake);
    expect(fake).toMatchObject({ video: element.video, src: SRC, autoplay: true, muted: true, targetLatency: 0.8 });
    expect(element.player?.getSnapshot()).toMatchObject({ status: 'loading', src: SRC, targetLatency: 0.8, muted: true });
  });

  it('passes playerOptions to the players it creates, with the options from its attributes', async () => {
    const { element } = createElement({ src: SRC });
    // The automatic target starts at 0.5 s, inside [minLatency, maxLatency].
    element.playerOptions = { minLatency: 0.8, maxLatency: 2 };
    await connect(element);
    expect(element.player?.getSnapshot()).toMatchObject({ targetLatency: 0.8, targetLatencySource: 'auto' });
    await disconnect(element);
    element.targetLatency = 0.4;
    await connect(element);
    expect(element.player?.getSnapshot()).toMatchObject({ targetLatency: 0.4, targetLatencySource: 'option' });
  });

  it('starts over with a new player when engineFactory or playerOptions change after it has one (server-rendered markup upgraded before a framework sets them)', async () => {
    const { element, fakes } = createElement({ src: SRC });
    await connect(element);
    const first = element.player;
    element.playerOptions = { minLatency: 0.8 };
    expect(fakes).toHaveLength(2);
    expect(fakes[0]?.destroyed).toBe(true);
    expect(element.player).not.toBe(first);
    expect(fakes[1]?.src).toBe(SRC);
    expect(element.player?.getSnapshot().targetLatency).toBe(0.8);
    // The same options again, in a new object: nothing to do.
    element.playerOptions = { minLatency: 0.8 };
    expect(fakes).toHaveLength(2);
    const replacement = new FakeEngine();
    element.engineFactory = () => replacement;
    expect(element.player?.engine).toBe(replacement);
    expect(replacement.src).toBe(SRC);
  });

  it('takes null and undefined for its properties as "absent", as frameworks unset them', async () => {
    const { element } = createElement({ src: SRC, muted: '', autoplay: '', controls: '', poster: 'p.jpg', 'target-latency': '1' });
    for (const name of ['src', 'muted', 'autoplay', 'controls', 'poster', 'targetLatency'] as const) {
      (element as unknown as Record<string, unknown>)[name] = undefined;
    }
    expect(['src', 'muted', 'autoplay', 'controls', 'poster', 'target-latency'].filter((name) => element.hasAttribute(name))).toEqual([]);
    element.muted = true;
    element.muted = null as unknown as boolean;
    expect(element.muted).toBe(false);
  });

  it('forwards attribute changes to the player: reload on src, target latency, muted', async () => {
    const { element, fakes } = createElement({ src: SRC });
    await connect(element);
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

  it('ignores an invalid target-latency attribute with a warning', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const { element, fakes } = createElement({ 'target-latency': 'fast' });
    await connect(element);
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('target-latency="fast"'));
    expect(element.targetLatency).toBeNull();
    expect(fakes[0]?.targetLatency).toBe(DEFAULT_TARGET_LATENCY);
  });

  it('reports a refused autoplay that fell back to muted through the muted property', async () => {
    const { element } = createElement({ src: SRC, autoplay: '' });
    element.engineFactory = () => new FakeEngine({ unmutedAutoplay: false });
    await connect(element);
    (element.player?.engine as FakeEngine).ready();
    expect(element.muted).toBe(true);
    expect(element.hasAttribute('muted')).toBe(false);
    element.muted = false;
    expect(element.player?.getSnapshot().muted).toBe(false);
  });

  it('re-dispatches statechange (first for the new player), latencychange and error as bubbling, composed CustomEvents', async () => {
    // A fixed target at the latency played, with buffer to spare: catch-up leaves the rate alone.
    const { element, fakes } = createElement({ src: SRC, autoplay: '', 'target-latency': '0.97' });
    const seen: CustomEvent[] = [];
    for (const type of ['statechange', 'latencychange', 'error']) {
      document.addEventListener(type, (event) => seen.push(event as CustomEvent));
    }
    await connect(element);
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

    expect(seen.map((event) => event.type)).toEqual(['statechange', 'statechange', 'statechange', 'latencychange', 'statechange', 'error']);
    expect(seen.every((event) => event.bubbles && event.composed && event.target === element)).toBe(true);
    expect(seen[0]?.detail).toMatchObject({ status: 'loading', src: SRC });
    expect(seen[2]?.detail).toMatchObject({ status: 'playing' });
    expect(seen[3]?.detail).toEqual({ liveLatency: 0.97, targetLatency: 0.97 });
    expect(seen[5]?.detail).toBe(failure);
  });

  it('dispatches stall with the core\'s StallInfo when playback stalls', async () => {
    const { element, fakes } = createElement({ src: SRC, autoplay: '' });
    const stalls: CustomEvent[] = [];
    element.addEventListener('stall', (event) => stalls.push(event));
    await connect(element);
    const fake = fakes[0] as FakeEngine;
    fake.ready();
    fake.liveLatency = 0.6;
    await sample();
    fake.emit('waiting');
    await settle();
    expect(stalls).toHaveLength(1);
    expect(stalls[0]).toMatchObject({ bubbles: true, composed: true, detail: { stallCount: 1, liveLatency: 0.6 } });
  });

  it('keeps its player when moved in the document (disconnected and connected in one task)', async () => {
    const { element, fakes } = createElement({ src: SRC });
    await connect(element);
    const player = element.player;
    const box = document.createElement('div');
    document.body.append(box);
    box.append(element);
    await settle();
    expect(element.player).toBe(player);
    expect(fakes).toHaveLength(1);
    expect(fakes[0]?.destroyed).toBe(false);
  });

  it('slots its children over the video, under the control bar', async () => {
    const { element } = createElement({ controls: '' });
    const badge = document.createElement('span');
    badge.textContent = 'Sponsored';
    element.append(badge);
    await connect(element);
    const slot = element.shadowRoot?.querySelector('slot') as HTMLSlotElement;
    expect(slot.assignedElements()).toEqual([badge]);
    expect(badge.checkVisibility()).toBe(true);
  });

  it('updates the latency readout and the status text from the snapshot', async () => {
    const { element, fakes } = createElement({ src: SRC, autoplay: '' });
    await connect(element);
    const fake = fakes[0] as FakeEngine;
    const latency = shadowPart(element, 'latency');
    const status = shadowPart(element, 'status');
    const statusText = shadowPart(element, 'status-text');
    expect(latency.textContent).toBe('Latency – · target 0.50 s');
    expect(statusText.textContent).toBe('Loading…');
    expect(status.hasAttribute('data-empty')).toBe(false);
    fake.ready();
    fake.liveLatency = 0.984;
    vi.advanceTimersByTime(100);
    await settle();
    expect(latency.textContent).toBe('Latency 0.98 s · target 0.50 s');
    expect(status.hasAttribute('data-empty')).toBe(true);
    expect(getComputedStyle(status).display).toBe('none');
    fake.emit('waiting');
    await settle();
    expect(statusText.textContent).toBe('Buffering…');
    fake.emit('error', new PlayerError('manifest', 'The MPD could not be parsed.'));
    await settle();
    expect(statusText.textContent).toBe('Error: The MPD could not be parsed.');
  });

  it('destroys the player on disconnect and creates a new one on reconnect', async () => {
    const { element, fakes } = createElement({ src: SRC });
    await connect(element);
    const first = fakes[0] as FakeEngine;
    await disconnect(element);
    expect(first.destroyed).toBe(true);
    expect(first.listenerCount()).toBe(0);
    expect(element.player).toBeNull();
    expect(vi.getTimerCount()).toBe(0);
    await connect(element);
    expect(fakes).toHaveLength(2);
    expect(fakes[1]?.src).toBe(SRC);
  });

  it('starts over with an idle player when src is removed', async () => {
    const { element, fakes } = createElement({ src: SRC });
    await connect(element);
    element.removeAttribute('src');
    expect(fakes[0]?.destroyed).toBe(true);
    expect(element.player?.getSnapshot().status).toBe('idle');
    expect(fakes[1]?.src).toBeNull();
  });
});


/** A connected, playing element with the default UI and a two-rendition, two-audio, one-subtitle stream. */
async function playingWithUi(attributes: Record<string, string> = {}) {
  const { element, fakes } = createElement({ src: SRC, autoplay: '', controls: '', 'target-latency': '0.3', ...attributes });
  await connect(element);
  const fake = fakes[0] as FakeEngine;
  fake.emit('tracks', SAMPLE_TRACKS);
  fake.emit('selectionchange', { rendition: 'v720', audioTrack: 'a-en', textTrack: null });
  fake.ready();
  fake.liveLatency = 0.3;
  fake.bufferAhead = 0.3;
  if (vi.isFakeTimers()) await sample();
  else await vi.waitFor(() => expect(element.latency).toBe(0.3));
  return { element, fake };
}

/** Lets the player sample latency (it does every 50 ms) and publish, on fake timers. */
async function sample(): Promise<void> {
  vi.advanceTimersByTime(100);
  await settle();
}

const button = (element: LLPlayerElement, part: string) => shadowPart(element, part) as HTMLButtonElement;
const select = (element: LLPlayerElement, part: string) => shadowPart(element, part) as HTMLSelectElement;
const optionLabels = (menu: HTMLSelectElement) => [...menu.options].map((option) => option.text);

describe('LLPlayerElement as a media element', () => {
  it('exposes paused, volume, currentTime, seekable and liveEdge from its video', async () => {
    const { element } = createElement();
    await connect(element);
    expect(element.paused).toBe(true);
    expect(element.currentTime).toBe(0);
    expect(element.seekable.length).toBe(0);
    expect(element.liveEdge).toBeNaN();
    element.volume = 0.25;
    expect(element.video.volume).toBe(0.25);
    expect(element.volume).toBe(0.25);
    // Out of range: the same DOMException a <video> throws, and the volume stays.
    expect(() => (element.volume = 2)).toThrow(DOMException);
    expect(element.volume).toBe(0.25);
  });

  it('plays, pauses and seeks to live through the player', async () => {
    const { element, fake } = await playingWithUi();
    element.pause();
    expect(fake.paused).toBe(true);
    await element.play();
    expect(fake.paused).toBe(false);
    fake.liveLatency = 1.3;
    await sample();
    element.seekToLive();
    expect(fake.seeks).toEqual([1]);
  });

  it('reads latency and the stream\'s renditions and tracks from the player', async () => {
    const { element } = await playingWithUi();
    expect(element.latency).toBe(0.3);
    expect(element.qualities).toEqual(SAMPLE_TRACKS.renditions);
    expect(element.audioTracks).toEqual(SAMPLE_TRACKS.audioTracks);
    expect(element.textTracks).toEqual(SAMPLE_TRACKS.textTracks);
    await disconnect(element);
    expect(element.latency).toBeNull();
    expect(element.qualities).toEqual([]);
  });

  it('re-dispatches the video\'s media events on itself, not bubbling, as a <video> does', async () => {
    const { element } = createElement();
    await connect(element);
    const seen: Event[] = [];
    for (const type of ['playing', 'volumechange', 'timeupdate']) element.addEventListener(type, (event) => seen.push(event));
    const atDocument = vi.fn();
    document.addEventListener('playing', atDocument);
    element.video.dispatchEvent(new Event('playing'));
    element.volume = 0.5; // a real volumechange, queued by the browser
    element.video.dispatchEvent(new Event('timeupdate'));
    document.removeEventListener('playing', atDocument);
    expect(seen.map((event) => event.type)).toEqual(['playing', 'timeupdate']);
    expect(seen.every((event) => event.target === element && !event.bubbles)).toBe(true);
    expect(atDocument).not.toHaveBeenCalled();
  });
});

describe('LLPlayerElement default UI', () => {
  it('shows the control bar and latency readout only with the controls attribute; the status line always', async () => {
    const { element } = createElement({ src: SRC });
    await connect(element);
    await settle();
    expect(getComputedStyle(shadowPart(element, 'controls')).display).toBe('none');
    expect(getComputedStyle(shadowPart(element, 'latency')).display).toBe('none');
    expect(getComputedStyle(shadowPart(element, 'status')).display).not.toBe('none');
    element.controls = true;
    expect(getComputedStyle(shadowPart(element, 'controls')).display).toBe('flex');
    expect(getComputedStyle(shadowPart(element, 'latency')).display).not.toBe('none');
  });

  it('play/pause and mute buttons follow the player and say what they will do', async () => {
    const { element, fake } = await playingWithUi();
    const play = button(element, 'play-button');
    expect(play.getAttribute('aria-label')).toBe('Pause');
    play.click();
    await settle();
    expect(fake.paused).toBe(true);
    expect(play.getAttribute('aria-label')).toBe('Play');
    play.click();
    expect(fake.paused).toBe(false);

    const mute = button(element, 'mute-button');
    expect(mute.getAttribute('aria-label')).toBe('Mute');
    mute.click();
    await settle();
    expect(fake.muted).toBe(true);
    expect(mute.getAttribute('aria-label')).toBe('Unmute');
  });

  it('sets the volume from its slider', async () => {
    const { element } = await playingWithUi();
    const slider = shadowPart(element, 'volume') as HTMLInputElement;
    slider.value = '0.4';
    slider.dispatchEvent(new Event('input'));
    expect(element.volume).toBeCloseTo(0.4);
  });

  it('shows a live badge that says "Go live" when playback is over 0.5 s behind the target, and seeks to live', async () => {
    const { element, fake } = await playingWithUi();
    const live = button(element, 'live-button');
    expect([live.hidden, live.textContent, live.hasAttribute('data-behind')]).toEqual([false, 'Live', false]);
    fake.liveLatency = 1.2;
    vi.advanceTimersByTime(100);
    await settle();
    expect([live.hidden, live.textContent, live.hasAttribute('data-behind')]).toEqual([false, 'Go live', true]);
    live.click();
    expect(fake.seeks).toHaveLength(1);
    expect(fake.seeks[0]).toBeCloseTo(0.9);
  });

  it('lists renditions, audio tracks and subtitles in menus that switch them', async () => {
    const { element, fake } = await playingWithUi();
    const quality = select(element, 'quality-menu');
    const audio = select(element, 'audio-menu');
    const text = select(element, 'text-menu');
    expect([quality.hidden, audio.hidden, text.hidden]).toEqual([false, false, false]);
    expect(optionLabels(quality)).toEqual(['Auto', '720p · 2.5 Mb/s', '240p · 250 kb/s']);
    expect(quality.value).toBe('auto');
    expect(optionLabels(audio)).toEqual(['English (stereo)', 'Deutsch (5.1)']);
    expect(optionLabels(text)).toEqual(['Off', 'English']);

    quality.value = 'v240';
    quality.dispatchEvent(new Event('change'));
    audio.value = 'a-de';
    audio.dispatchEvent(new Event('change'));
    text.value = 't-en';
    text.dispatchEvent(new Event('change'));
    expect([fake.rendition, fake.audioTrack, fake.textTrack]).toEqual(['v240', 'a-de', 't-en']);
    text.value = '';
    text.dispatchEvent(new Event('change'));
    expect(fake.textTrack).toBeNull();
  });

  it('hides menus the stream has nothing to choose in', async () => {
    const { element, fakes } = createElement({ src: SRC, controls: '' });
    await connect(element);
    fakes[0]?.emit('tracks', { renditions: SAMPLE_TRACKS.renditions.slice(0, 1), audioTracks: SAMPLE_TRACKS.audioTracks.slice(0, 1), textTracks: [] });
    await settle();
    expect(['quality-menu', 'audio-menu', 'text-menu'].map((part) => select(element, part).hidden)).toEqual([true, true, true]);
  });

  it('offers "Retry" when the stream failed or is offline, which loads it again', async () => {
    const { element, fake } = await playingWithUi();
    const retry = button(element, 'retry-button');
    expect(retry.hidden).toBe(true);
    fake.emit('error', new PlayerError('network', 'segment unavailable'));
    await settle();
    expect(retry.hidden).toBe(false);
    const loads = fake.loadCount;
    retry.click();
    expect(fake.loadCount).toBe(loads + 1);
    expect(shadowPart(element, 'status').getAttribute('role')).toBe('status');
  });
});

describe('LLPlayerElement keyboard and focus', () => {
  it('answers k, m and l on the focused element, but leaves keys typed into a control to it', async () => {
    const { element, fake } = await playingWithUi();
    element.focus();
    expect(document.activeElement).toBe(element);
    await userEvent.keyboard('k');
    expect(fake.paused).toBe(true);
    await userEvent.keyboard('m');
    expect(fake.muted).toBe(true);
    fake.liveLatency = 1.3;
    await sample();
    await userEvent.keyboard('l');
    expect(fake.seeks).toEqual([1]);
    // Going live from pause plays again.
    expect(fake.paused).toBe(false);

    // Space on the focused mute button presses that button, and only it.
    button(element, 'mute-button').focus();
    await userEvent.keyboard('[Space]');
    await settle();
    expect(fake.muted).toBe(false);
    expect(fake.paused).toBe(false);
  });

  it('answers arrow up/down (volume), c (subtitles off and back on) and i (picture in picture)', async () => {
    const { element, fake } = await playingWithUi();
    element.focus();
    element.volume = 0.5;
    await userEvent.keyboard('{ArrowUp}');
    expect(element.volume).toBeCloseTo(0.55);
    await userEvent.keyboard('{ArrowDown}{ArrowDown}');
    expect(element.volume).toBeCloseTo(0.45);
    await userEvent.keyboard('c');
    expect(fake.textTrack).toBe(SAMPLE_TRACKS.textTracks[0]?.id);
    // The engine reports the switch, as dash.js does.
    fake.emit('selectionchange', { rendition: 'v720', audioTrack: 'a-en', textTrack: fake.textTrack });
    await settle();
    await userEvent.keyboard('c');
    expect(fake.textTrack).toBeNull();
    const pip = vi.spyOn(element.video, 'requestPictureInPicture').mockResolvedValue({} as PictureInPictureWindow);
    await userEvent.keyboard('i');
    expect(pip).toHaveBeenCalledTimes(document.pictureInPictureEnabled ? 1 : 0);
  });

  it('fades the control bar out after 3 s of rest while playing, and back in on pointer movement', async () => {
    const { element } = await playingWithUi();
    const controls = shadowPart(element, 'controls');
    element.dispatchEvent(new PointerEvent('pointermove'));
    vi.advanceTimersByTime(2900);
    expect(element.hasAttribute('user-inactive')).toBe(false);
    vi.advanceTimersByTime(200);
    expect(element.hasAttribute('user-inactive')).toBe(true);
    expect(getComputedStyle(controls).pointerEvents).toBe('none');
    element.dispatchEvent(new PointerEvent('pointermove'));
    expect(element.hasAttribute('user-inactive')).toBe(false);
    // Paused, the bar stays.
    element.pause();
    await settle();
    vi.advanceTimersByTime(5000);
    expect(element.hasAttribute('user-inactive')).toBe(false);
  });

  it('takes focus in the page\'s tab order, then walks the controls in order with a visible focus ring', async () => {
    vi.useRealTimers();
    const before = document.createElement('button');
    before.textContent = 'before';
    document.body.append(before);
    const { element } = await (async () => {
      const { element, fakes } = createElement({ src: SRC, controls: '' });
      await connect(element);
      fakes[0]?.emit('tracks', SAMPLE_TRACKS);
      await settle();
      return { element };
    })();
    before.focus();
    await userEvent.tab();
    expect(document.activeElement).toBe(element);
    const visited: string[] = [];
    for (let i = 0; i < 6; i++) {
      await userEvent.tab();
      visited.push(element.shadowRoot?.activeElement?.getAttribute('part') ?? '');
    }
    expect(visited).toEqual(['play-button', 'mute-button', 'volume', 'quality-menu', 'audio-menu', 'text-menu']);
    const focused = element.shadowRoot?.activeElement as HTMLElement;
    expect(getComputedStyle(focused).outlineStyle).toBe('solid');
  });
});

describe('LLPlayerElement accessibility (axe-core)', () => {
  it('has no violations while loading, playing with every menu, behind live, and failed', async () => {
    vi.useRealTimers();
    const { element, fake } = await playingWithUi();
    const check = async (state: string) => {
      const result = await axe.run(element, { resultTypes: ['violations'] });
      expect(result.violations.map((v) => `${state}: ${v.id} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`)).toEqual([]);
    };
    await check('playing');
    fake.liveLatency = 1.2;
    await vi.waitFor(() => expect(button(element, 'live-button').hidden).toBe(false));
    await check('behind live');
    fake.emit('error', new PlayerError('network', 'segment unavailable'));
    await settle();
    await check('failed');
    element.controls = false;
    await check('without controls');
  });
});

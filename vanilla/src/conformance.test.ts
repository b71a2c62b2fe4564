import type { Player } from '@llstream/core';
import { adapterConformance, type AdapterHarness, type ConformanceOptions, type DeliveredEvent } from '@llstream/core/testing';
import { describe, it } from 'vitest';

import './define.js';
import type { LLPlayerElement } from './ll-player-element.js';

/** Sets `options` on `element` as a page would: attributes, and the `targetLatency` property (which throws on bad values). */
function apply(element: LLPlayerElement, options: ConformanceOptions): void {
  if (options.src === undefined) element.removeAttribute('src');
  else element.src = options.src;
  element.muted = options.muted ?? false;
  element.autoplay = options.autoplay ?? false;
  element.controls = options.controls ?? false;
  element.targetLatency = options.targetLatency ?? null;
}

/** Lets the element create its player (in the microtask after connect) and publish. */
const settle = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

const harness: AdapterHarness = {
  name: '<ll-player>',
  async mount(options, engine) {
    const element = document.createElement('ll-player');
    element.engineFactory = engine;
    apply(element, options);
    const events: DeliveredEvent[] = [];
    for (const type of ['statechange', 'latencychange', 'stall', 'error'] as const) {
      element.addEventListener(type, (event) => events.push({ type, detail: (event as CustomEvent).detail }));
    }
    document.body.append(element);
    await settle();
    return {
      host: element,
      get player(): Player<unknown> | null {
        return element.player;
      },
      events,
      async update(next) {
        apply(element, next);
        await settle();
      },
      async unmount() {
        element.remove();
        await settle();
      },
    };
  },
};

describe('<ll-player> adapter conformance (@llstream/core/testing)', () => {
  for (const check of adapterConformance) it(check.name, () => check.run(harness));
});

import type { Player } from '@llstream/core';
import { adapterConformance, type AdapterHarness, type ConformanceOptions, type DeliveredEvent } from '@llstream/core/testing';
import { act, render } from '@testing-library/react';
import { createRef } from 'react';
import { describe, it } from 'vitest';

import { LLPlayer, type LLPlayerProps } from './ll-player.js';

/** The harness's options as `<LLPlayer>` props (React spells autoplay `autoPlay`, as on `<video>`). */
function props({ src, targetLatency, muted, autoplay, controls }: ConformanceOptions): LLPlayerProps {
  return { src, targetLatency, muted, autoPlay: autoplay, controls };
}

/** Lets the element create its player (a microtask after insertion) and React render what it heard. */
const settle = () => act(() => new Promise<void>((resolve) => setTimeout(resolve, 0)));

const harness: AdapterHarness = {
  name: '<LLPlayer>',
  async mount(options, engine) {
    const events: DeliveredEvent[] = [];
    const ref = createRef<Player<unknown>>();
    const element = (next: ConformanceOptions) => (
      <LLPlayer
        ref={ref}
        engine={engine}
        {...props(next)}
        onStateChange={(detail) => events.push({ type: 'statechange', detail })}
        onLatencyChange={(detail) => events.push({ type: 'latencychange', detail })}
        onStall={(detail) => events.push({ type: 'stall', detail })}
        onError={(detail) => events.push({ type: 'error', detail })}
      />
    );
    const view = render(element(options));
    await settle();
    return {
      host: view.container.firstElementChild as HTMLElement,
      get player() {
        return ref.current;
      },
      events,
      async update(next) {
        view.rerender(element(next));
        await settle();
      },
      async unmount() {
        view.unmount();
        await settle();
      },
    };
  },
};

describe('<LLPlayer> adapter conformance (@llstream/core/testing)', () => {
  for (const check of adapterConformance) it(check.name, () => check.run(harness));
});

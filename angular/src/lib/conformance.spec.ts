import { ErrorHandler, provideZonelessChangeDetection } from '@angular/core';
import { TestBed, type ComponentFixture } from '@angular/core/testing';
import type { Player } from '@llstream/core';
import { adapterConformance, type AdapterHarness, type ConformanceOptions, type DeliveredEvent } from '@llstream/core/testing';
import { LLPlayerComponent, type LLPlayerHostElement } from './ll-player.component';
import { sleep } from './testing.spec-helpers';

/** What Angular handed to the app's `ErrorHandler`: a binding's throw in change detection, as an app sees it. */
const reported: unknown[] = [];

/** The inputs of `options`, as a page would bind them; `all` also resets the absent ones to the component's defaults. */
function setInputs(fixture: ComponentFixture<LLPlayerComponent>, options: ConformanceOptions, all: boolean): void {
  const defaults: Required<ConformanceOptions> = { src: '', targetLatency: null, muted: false, autoplay: false, controls: false };
  for (const name of Object.keys(defaults) as (keyof ConformanceOptions)[]) {
    if (name in options) fixture.componentRef.setInput(name, options[name]);
    else if (all) fixture.componentRef.setInput(name, defaults[name]);
  }
}

/**
 * Lets Angular's scheduled change detection run (as in an app: not called
 * synchronously), `<ll-player>` create or destroy its player (in the
 * microtask after connect or disconnect) and the player publish; rejects with
 * what change detection threw.
 */
async function settle(fixture: ComponentFixture<LLPlayerComponent>): Promise<void> {
  await fixture.whenStable();
  await sleep(0);
  await fixture.whenStable();
  const [error] = reported.splice(0);
  if (error !== undefined) throw error;
}

const harness: AdapterHarness = {
  name: '<llstream-player>',
  async mount(options, engine) {
    const fixture = TestBed.createComponent(LLPlayerComponent);
    const component = fixture.componentInstance;
    const events: DeliveredEvent[] = [];
    component.stateChange.subscribe((detail) => events.push({ type: 'statechange', detail }));
    component.latencyChange.subscribe((detail) => events.push({ type: 'latencychange', detail }));
    component.stall.subscribe((detail) => events.push({ type: 'stall', detail }));
    component.error.subscribe((detail) => events.push({ type: 'error', detail }));
    fixture.componentRef.setInput('engine', engine);
    setInputs(fixture, options, false);
    try {
      await settle(fixture);
    } catch (error) {
      fixture.destroy();
      throw error;
    }
    const host = fixture.nativeElement as LLPlayerHostElement;
    return {
      host,
      get player(): Player<unknown> | null {
        return host.player;
      },
      events,
      async update(next) {
        setInputs(fixture, next, true);
        await settle(fixture);
      },
      async unmount() {
        // Only destroyed: TestBed leaves its root element (the host) in the document until the
        // test ends, as Angular leaves a destroyed root view's nodes; the component itself
        // must let its player go.
        fixture.destroy();
        await settle(fixture);
      },
    };
  },
};

describe('<llstream-player> adapter conformance (@llstream/core/testing)', () => {
  beforeEach(() => {
    reported.splice(0);
    TestBed.configureTestingModule({
      providers: [provideZonelessChangeDetection(), { provide: ErrorHandler, useValue: { handleError: (error: unknown) => reported.push(error) } }],
      rethrowApplicationErrors: false,
    });
  });

  for (const check of adapterConformance) it(check.name, () => check.run(harness));
});

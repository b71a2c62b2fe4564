import { describe, expect, it, vi } from 'vitest';

import { EventEmitter } from './event-emitter.js';

interface TestEvents {
  tick: { n: number };
  done: void;
}

describe('EventEmitter', () => {
  it('calls the listeners of one type, in registration order, with the payload', () => {
    const emitter = new EventEmitter<TestEvents>();
    const calls: string[] = [];
    emitter.on('tick', ({ n }) => calls.push(`a${n}`));
    emitter.on('tick', ({ n }) => calls.push(`b${n}`));
    emitter.on('done', () => calls.push('done'));
    emitter.emit('tick', { n: 1 });
    emitter.emit('done');
    expect(calls).toEqual(['a1', 'b1', 'done']);
  });

  it('removes a listener through the returned function', () => {
    const emitter = new EventEmitter<TestEvents>();
    const listener = vi.fn();
    const off = emitter.on('tick', listener);
    off();
    emitter.emit('tick', { n: 1 });
    expect(listener).not.toHaveBeenCalled();
    expect(emitter.listenerCount()).toBe(0);
  });

  it('removes listeners when their signal aborts, and ignores an aborted signal', () => {
    const emitter = new EventEmitter<TestEvents>();
    const controller = new AbortController();
    const listener = vi.fn();
    emitter.on('tick', listener, { signal: controller.signal });
    emitter.on('done', listener, { signal: controller.signal });
    expect(emitter.listenerCount()).toBe(2);
    controller.abort();
    emitter.emit('tick', { n: 1 });
    expect(listener).not.toHaveBeenCalled();
    expect(emitter.listenerCount()).toBe(0);
    emitter.on('tick', listener, { signal: controller.signal });
    expect(emitter.listenerCount('tick')).toBe(0);
  });

  it('does not call a listener removed by an earlier one during the same emit', () => {
    const emitter = new EventEmitter<TestEvents>();
    const second = vi.fn();
    const offSecond = { current: (): void => {} };
    emitter.on('done', () => offSecond.current());
    offSecond.current = emitter.on('done', second);
    emitter.emit('done');
    expect(second).not.toHaveBeenCalled();
  });
});

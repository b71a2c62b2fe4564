/**
 * What a page-wide leak looks like, counted: listeners on `window` and
 * `document` (listeners on an adapter's own elements go with them), pending
 * timeouts, intervals and animation frames, and object URLs (how a
 * `MediaSource` is attached to a video) not revoked.
 */
export interface ResourceCounts {
  /** Listeners added to `window` or `document` and not removed (by `removeEventListener` or their `signal`). */
  globalListeners: number;
  /** `setTimeout`s neither run nor cleared. */
  timeouts: number;
  /** `setInterval`s not cleared. */
  intervals: number;
  /** `requestAnimationFrame`s neither run nor cancelled. */
  animationFrames: number;
  /** `URL.createObjectURL` results not revoked. */
  objectUrls: number;
}

/** A running count of {@link ResourceCounts}, from {@link trackResources}. */
export interface ResourceTracker {
  /** What was created since tracking started and is still held. */
  outstanding(): ResourceCounts;
  /** Puts the original globals back. */
  restore(): void;
}

type Listener = EventListenerOrEventListenerObject | null;

/**
 * Starts counting what code creates on the page and does not release, by
 * wrapping `EventTarget.prototype.addEventListener`/`removeEventListener`,
 * the timer functions, `requestAnimationFrame` and `URL.createObjectURL`
 * until {@link ResourceTracker.restore}. Only what is created after the call
 * counts. Needs real timers (a fake-timer library replaces the same globals).
 */
export function trackResources(): ResourceTracker {
  const scope = globalThis as typeof globalThis & Window;
  const originals = {
    addEventListener: EventTarget.prototype.addEventListener,
    removeEventListener: EventTarget.prototype.removeEventListener,
    requestAnimationFrame: scope.requestAnimationFrame,
    cancelAnimationFrame: scope.cancelAnimationFrame,
    createObjectURL: URL.createObjectURL,
    revokeObjectURL: URL.revokeObjectURL,
  };
  const globalTargets = new Set<EventTarget>(typeof document === 'undefined' ? [scope] : [scope, document]);
  const listeners = new Map<EventTarget, Set<string>>();
  const timeouts = new Set<unknown>();
  const intervals = new Set<unknown>();
  const frames = new Set<number>();
  const urls = new Set<string>();
  // Listener identity: type, capture flag and the listener object itself.
  const ids = new WeakMap<object, number>();
  let nextId = 0;
  const keyOf = (type: string, listener: Listener, options?: boolean | EventListenerOptions) => {
    const capture = typeof options === 'boolean' ? options : Boolean(options?.capture);
    if (listener && !ids.has(listener)) ids.set(listener, nextId++);
    return `${type}|${capture}|${listener ? ids.get(listener) : 'null'}`;
  };

  EventTarget.prototype.addEventListener = function (this: EventTarget, type: string, listener: Listener, options?: boolean | AddEventListenerOptions) {
    if (globalTargets.has(this) && listener) {
      const key = keyOf(type, listener, options);
      const keys = listeners.get(this) ?? new Set<string>();
      listeners.set(this, keys);
      const signal = typeof options === 'object' ? options.signal : undefined;
      if (!signal?.aborted) {
        keys.add(key);
        signal?.addEventListener('abort', () => keys.delete(key), { once: true });
      }
    }
    originals.addEventListener.call(this, type, listener, options);
  };
  EventTarget.prototype.removeEventListener = function (this: EventTarget, type: string, listener: Listener, options?: boolean | EventListenerOptions) {
    if (globalTargets.has(this) && listener) listeners.get(this)?.delete(keyOf(type, listener, options));
    originals.removeEventListener.call(this, type, listener, options);
  };
  // Timer ids are numbers in a browser and objects in Node: kept as `unknown`.
  type TimerFunction = (handler: unknown, delay?: number, ...args: unknown[]) => unknown;
  type ClearFunction = (id?: unknown) => void;
  const timers = scope as unknown as Record<'setTimeout' | 'setInterval', TimerFunction> & Record<'clearTimeout' | 'clearInterval', ClearFunction>;
  const original = {
    setTimeout: timers.setTimeout,
    setInterval: timers.setInterval,
    clearTimeout: timers.clearTimeout,
    clearInterval: timers.clearInterval,
  };
  timers.setTimeout = (handler, delay, ...args) => {
    const id = original.setTimeout.call(scope, (...callArgs: unknown[]) => {
      timeouts.delete(id);
      if (typeof handler === 'function') handler(...callArgs);
    }, delay, ...args);
    timeouts.add(id);
    return id;
  };
  timers.clearTimeout = (id) => {
    timeouts.delete(id);
    original.clearTimeout.call(scope, id);
  };
  timers.setInterval = (handler, delay, ...args) => {
    const id = original.setInterval.call(scope, handler, delay, ...args);
    intervals.add(id);
    return id;
  };
  timers.clearInterval = (id) => {
    intervals.delete(id);
    original.clearInterval.call(scope, id);
  };
  if (originals.requestAnimationFrame) {
    scope.requestAnimationFrame = (callback: FrameRequestCallback) => {
      const id = originals.requestAnimationFrame.call(scope, (time) => {
        frames.delete(id);
        callback(time);
      });
      frames.add(id);
      return id;
    };
    scope.cancelAnimationFrame = (id: number) => {
      frames.delete(id);
      originals.cancelAnimationFrame.call(scope, id);
    };
  }
  URL.createObjectURL = (object: Blob | MediaSource) => {
    const url = originals.createObjectURL.call(URL, object);
    urls.add(url);
    return url;
  };
  URL.revokeObjectURL = (url: string) => {
    urls.delete(url);
    originals.revokeObjectURL.call(URL, url);
  };

  return {
    outstanding: () => ({
      globalListeners: [...listeners.values()].reduce((sum, keys) => sum + keys.size, 0),
      timeouts: timeouts.size,
      intervals: intervals.size,
      animationFrames: frames.size,
      objectUrls: urls.size,
    }),
    restore: () => {
      EventTarget.prototype.addEventListener = originals.addEventListener;
      EventTarget.prototype.removeEventListener = originals.removeEventListener;
      Object.assign(timers, original);
      if (originals.requestAnimationFrame) {
        Object.assign(scope, { requestAnimationFrame: originals.requestAnimationFrame, cancelAnimationFrame: originals.cancelAnimationFrame });
      }
      URL.createObjectURL = originals.createObjectURL;
      URL.revokeObjectURL = originals.revokeObjectURL;
    },
  };
}

import type { Unsubscribe } from '../store/snapshot-store.js';

/** Options for `on()` of the player and its engine: `signal` removes the listener when aborted. */
export interface ListenOptions {
  /** Removes the listener when this signal aborts (one line in a `destroy()`). */
  signal?: AbortSignal;
}

/** The arguments of `emit(type, ...)`: none for events whose payload is `void`. */
export type EmitArgs<P> = [P] extends [void] ? [] : [payload: P];

/**
 * A typed event emitter over an event map `{ type: payload }` (after hls.js
 * `src/events.ts`). Listeners run synchronously in registration order.
 */
export class EventEmitter<M extends object> {
  #listeners = new Map<keyof M, Set<(payload: never) => void>>();

  /**
   * Registers `listener` for events of `type`.
   * @returns a function that removes it.
   */
  on<K extends keyof M>(type: K, listener: (payload: M[K]) => void, options?: ListenOptions): Unsubscribe {
    const signal = options?.signal;
    if (signal?.aborted) return () => {};
    let set = this.#listeners.get(type);
    if (!set) {
      set = new Set();
      this.#listeners.set(type, set);
    }
    set.add(listener);
    const off = (): void => {
      set.delete(listener);
      signal?.removeEventListener('abort', off);
    };
    signal?.addEventListener('abort', off, { once: true });
    return off;
  }

  /** Calls the listeners of `type` with `payload`. A listener that throws does not stop the others. */
  emit<K extends keyof M>(type: K, ...args: EmitArgs<M[K]>): void {
    const set = this.#listeners.get(type);
    if (!set) return;
    for (const listener of [...set]) {
      if (!set.has(listener)) continue;
      try {
        (listener as (payload: M[K] | undefined) => void)(args[0]);
      } catch (error) {
        queueMicrotask(() => {
          throw error;
        });
      }
    }
  }

  /** How many listeners are registered for `type`, or for all types when omitted. */
  listenerCount(type?: keyof M): number {
    if (type !== undefined) return this.#listeners.get(type)?.size ?? 0;
    let count = 0;
    for (const set of this.#listeners.values()) count += set.size;
    return count;
  }

  /** Removes every listener. */
  clear(): void {
    this.#listeners.clear();
  }
}

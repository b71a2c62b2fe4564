/**
 * Called after the snapshot changed, once per batch of updates.
 *
 * @param snapshot - the current snapshot.
 * @param previous - the snapshot the listeners saw last time.
 */
export type SnapshotListener<T> = (snapshot: T, previous: T) => void;

/** Removes what was registered. Calling it again does nothing. */
export type Unsubscribe = () => void;

/**
 * The read side of a snapshot store, shaped for `useSyncExternalStore`:
 * both methods are bound, so they can be passed around detached.
 */
export interface ReadableStore<T extends object> {
  /**
   * Registers a listener, called in a microtask after one or more updates
   * changed at least one key.
   */
  readonly subscribe: (listener: SnapshotListener<T>) => Unsubscribe;
  /**
   * The current snapshot: a frozen object, replaced (never mutated) on change,
   * and the same object for as long as nothing changed.
   */
  readonly getSnapshot: () => T;
}

/** A snapshot store with its write side, kept inside the core. */
export interface SnapshotStore<T extends object> extends ReadableStore<T> {
  /**
   * Merges `patch` into the snapshot. Keys are compared with `Object.is`; if
   * none differs, the snapshot object stays the same and nobody is notified.
   */
  update(patch: Partial<T>): void;
  /** Drops every listener; later updates still change the snapshot. */
  clear(): void;
}

/**
 * Creates an observable snapshot store (after Video.js v10's
 * `store/src/core/state.ts`): immutable snapshots, `Object.is` per key, and
 * listeners called once per microtask however many updates happened in it.
 */
export function createSnapshotStore<T extends object>(initial: T): SnapshotStore<T> {
  let snapshot: T = Object.freeze({ ...initial });
  let notified = snapshot;
  let flushQueued = false;
  const listeners = new Set<SnapshotListener<T>>();

  const flush = (): void => {
    flushQueued = false;
    if (snapshot === notified) return;
    const previous = notified;
    notified = snapshot;
    for (const listener of [...listeners]) {
      // A listener removed by an earlier one in this flush is not called.
      if (!listeners.has(listener)) continue;
      try {
        listener(notified, previous);
      } catch (error) {
        // One failing listener must not starve the others; rethrow outside the loop.
        queueMicrotask(() => {
          throw error;
        });
      }
    }
  };

  return {
    subscribe(listener) {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
    getSnapshot() {
      return snapshot;
    },
    update(patch) {
      let changed = false;
      for (const key of Object.keys(patch) as (keyof T)[]) {
        if (!Object.is(snapshot[key], patch[key])) {
          changed = true;
          break;
        }
      }
      if (!changed) return;
      snapshot = Object.freeze({ ...snapshot, ...patch });
      if (!flushQueued) {
        flushQueued = true;
        queueMicrotask(flush);
      }
    },
    clear() {
      listeners.clear();
    },
  };
}

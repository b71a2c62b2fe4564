import { describe, expect, it, vi } from 'vitest';

import { createSnapshotStore } from './snapshot-store.js';

const nextMicrotask = (): Promise<void> => Promise.resolve();

describe('createSnapshotStore', () => {
  it('returns a frozen snapshot', () => {
    const store = createSnapshotStore({ count: 0 });
    expect(Object.isFrozen(store.getSnapshot())).toBe(true);
  });

  it('keeps the same snapshot and notifies nobody when no key changes', async () => {
    const store = createSnapshotStore({ count: 0, latency: Number.NaN, label: 'a' });
    const listener = vi.fn();
    store.subscribe(listener);
    const before = store.getSnapshot();
    store.update({ count: 0, latency: Number.NaN, label: 'a' });
    store.update({});
    await nextMicrotask();
    expect(store.getSnapshot()).toBe(before);
    expect(listener).not.toHaveBeenCalled();
  });

  it('replaces the snapshot at once and notifies once per microtask, with the previous snapshot', async () => {
    const store = createSnapshotStore({ count: 0, label: 'a' });
    const listener = vi.fn();
    store.subscribe(listener);
    const first = store.getSnapshot();
    store.update({ count: 1 });
    store.update({ count: 2 });
    store.update({ label: 'b' });
    expect(store.getSnapshot()).toEqual({ count: 2, label: 'b' });
    expect(first).toEqual({ count: 0, label: 'a' });
    expect(listener).not.toHaveBeenCalled();
    await nextMicrotask();
    expect(listener).toHaveBeenCalledTimes(1);
    expect(listener).toHaveBeenCalledWith(store.getSnapshot(), first);
  });

  it('stops calling a listener once it unsubscribed, even within the same flush', async () => {
    const store = createSnapshotStore({ count: 0 });
    const second = vi.fn();
    let unsubscribeSecond = (): void => {};
    const first = vi.fn(() => unsubscribeSecond());
    store.subscribe(first);
    unsubscribeSecond = store.subscribe(second);
    store.update({ count: 1 });
    await nextMicrotask();
    expect(first).toHaveBeenCalledTimes(1);
    expect(second).not.toHaveBeenCalled();

    const third = vi.fn();
    const unsubscribeThird = store.subscribe(third);
    unsubscribeThird();
    unsubscribeThird();
    store.update({ count: 2 });
    await nextMicrotask();
    expect(third).not.toHaveBeenCalled();
  });

  it('drops every listener on clear() but keeps updating the snapshot', async () => {
    const store = createSnapshotStore({ count: 0 });
    const listener = vi.fn();
    store.subscribe(listener);
    store.clear();
    store.update({ count: 1 });
    await nextMicrotask();
    expect(listener).not.toHaveBeenCalled();
    expect(store.getSnapshot().count).toBe(1);
  });

  it('works with detached methods, as useSyncExternalStore calls them', async () => {
    const { subscribe, getSnapshot, update } = createSnapshotStore({ count: 0 });
    const listener = vi.fn();
    subscribe(listener);
    update({ count: 3 });
    await nextMicrotask();
    expect(getSnapshot().count).toBe(3);
    expect(listener).toHaveBeenCalledTimes(1);
  });
});

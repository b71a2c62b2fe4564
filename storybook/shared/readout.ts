import type { PlayerSnapshot } from '@llstream/core';

const s = (seconds: number | null) => (seconds === null ? '–' : seconds.toFixed(2));

/**
 * One line about the player for the custom-UI stories, e.g.
 * `"playing · latency 0.42 s (target 0.40 s) · buffer 0.35 s · rate 1.02×"`.
 */
export function readoutText(snapshot: PlayerSnapshot): string {
  return `${snapshot.status} · latency ${s(snapshot.liveLatency)} s (target ${s(snapshot.targetLatency)} s) · buffer ${s(snapshot.bufferAhead)} s · rate ${snapshot.playbackRate.toFixed(2)}×`;
}

/** Whether a play/pause button should offer "Pause". */
export function isPlaying(snapshot: PlayerSnapshot): boolean {
  return snapshot.status === 'playing' || snapshot.status === 'stalled';
}

/** An MPD URL the fake engine pretends to load. */
export const SRC = 'http://origin.test/live/demo/manifest.mpd';


/** Resolves after `ms` milliseconds of real time (the player samples latency every 50 ms). */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

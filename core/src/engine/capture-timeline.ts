/** Points kept: 20 s of frames at 30 fps. */
const MAX_POINTS = 600;

/**
 * Capture times of recent frames, as the origin states them in each chunk's
 * in-band `prft` box (dash.js's `inbandPrft` events): the capture time of
 * the frame on screen, exact even when the source's media timeline and the
 * wall clock drift apart (an encoder behind real time, a publisher's clock
 * running fast or slow), where one ProducerReferenceTime per MPD holds for
 * the frame it names only.
 */
export class CaptureTimeline {
  /** `[media time s, capture epoch ms]`, by media time. */
  #points: Array<[number, number]> = [];

  /**
   * Adds the point of one chunk. A media time more than a second behind the
   * newest one is a new timeline (the stream restarted): the old points go.
   */
  add(mediaTime: number, capture: number): void {
    const newest = this.#points.at(-1)?.[0] ?? -Infinity;
    if (mediaTime < newest - 1) this.#points = [];
    else if (mediaTime <= newest) return;
    if (this.#points.push([mediaTime, capture]) > MAX_POINTS) this.#points.shift();
  }

  /**
   * Capture time of the frame at `mediaTime` (s), epoch ms: between two
   * points on the line through them, up to a second past the newest one at
   * one second of media per second; `null` otherwise (no points, or the
   * frame is older than the oldest).
   */
  at(mediaTime: number): number | null {
    const points = this.#points;
    // The playhead is near the newest points: look from the end.
    for (let i = points.length - 1; i >= 0; i -= 1) {
      const [time, capture] = points[i]!;
      if (time > mediaTime) continue;
      const [nextTime, nextCapture] = points[i + 1] ?? [time + 1, capture + 1000];
      return mediaTime - time <= nextTime - time ? capture + ((mediaTime - time) / (nextTime - time)) * (nextCapture - capture) : null;
    }
    return null;
  }
}

import type { PlayerSnapshot, ReadableStore } from '@llstream/core';
import uPlot from 'uplot';

/** Options of {@link mountLiveChart}. */
export interface LiveChartOptions {
  /** How much history the chart keeps, in seconds. @defaultValue 60 */
  windowSeconds?: number;
  /** How often the snapshot is sampled, in milliseconds. @defaultValue 250 */
  sampleIntervalMs?: number;
  /** Chart height in CSS pixels (the width follows the container). @defaultValue 260 */
  height?: number;
}

/**
 * Plots a player's live latency, target latency and buffer ahead (seconds,
 * left axis) and playback rate (right axis) over time with uPlot, sampling
 * `player.getSnapshot()` at a fixed interval so the time axis is even.
 * Samples taken before the first frame (live latency `null`) leave gaps.
 *
 * @param container - the element the chart is drawn into; its width sets the chart's.
 * @param player - the player (or anything with `getSnapshot()`).
 * @returns a function that stops sampling and removes the chart.
 */
export function mountLiveChart(
  container: HTMLElement,
  player: Pick<ReadableStore<PlayerSnapshot>, 'getSnapshot'>,
  options: LiveChartOptions = {},
): () => void {
  const { windowSeconds = 60, sampleIntervalMs = 250, height = 260 } = options;
  const times: number[] = [];
  const series: (number | null)[][] = [[], [], [], []];
  const width = () => Math.max(320, container.clientWidth);
  const chart = new uPlot(
    {
      width: width(),
      height,
      scales: { x: { time: true }, s: { auto: true, range: (_u, min, max) => [0, Math.max(1, max ?? min)] }, rate: { range: [0.8, 1.2] } },
      series: [
        { label: 'Time' },
        { label: 'Live latency (s)', scale: 's', stroke: '#e8413c', width: 2 },
        { label: 'Target latency (s)', scale: 's', stroke: '#888', dash: [6, 4] },
        { label: 'Buffer ahead (s)', scale: 's', stroke: '#2f7de1', width: 2 },
        { label: 'Playback rate', scale: 'rate', stroke: '#2a9d3f' },
      ],
      axes: [{}, { scale: 's', label: 'seconds' }, { scale: 'rate', side: 1, label: 'playback rate', grid: { show: false } }],
    },
    [times, ...series],
    container,
  );

  const sample = () => {
    const s = player.getSnapshot();
    const now = Date.now() / 1000;
    times.push(now);
    const values = [s.liveLatency, s.targetLatency, s.bufferAhead, s.playbackRate];
    values.forEach((value, i) => series[i]!.push(s.status === 'idle' ? null : value));
    while (times.length > 0 && times[0]! < now - windowSeconds) {
      times.shift();
      for (const column of series) column.shift();
    }
    chart.setData([times, ...series]);
  };
  const timer = setInterval(sample, sampleIntervalMs);
  // Only width changes resize the chart, so its own height change cannot loop back here.
  let lastWidth = width();
  const resize = new ResizeObserver(() => {
    if (width() === lastWidth) return;
    lastWidth = width();
    chart.setSize({ width: lastWidth, height });
  });
  resize.observe(container);
  return () => {
    clearInterval(timer);
    resize.disconnect();
    chart.destroy();
  };
}

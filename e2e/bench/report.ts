import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { PLAYER_TITLES, type RunResult } from './run-player.js';

/** Row name: player and the target it was given ("auto" for llstream's automatic target). */
export function runLabel(r: Pick<RunResult, 'player' | 'target'>): string {
  return `${PLAYER_TITLES[r.player]} ${r.target === null ? 'auto' : `${r.target} s`}`;
}

/**
 * The row to show for one player on one profile when it ran at several
 * targets: the fewest stalls, then the lowest glass-to-glass p50; a run that
 * failed only when every run failed.
 */
export function bestRun(runs: readonly RunResult[]): RunResult {
  const key = (r: RunResult): [number, number, number] => [r.error === null ? 0 : 1, r.stallCount, Number.isNaN(r.g2g.p50) ? Infinity : r.g2g.p50];
  return [...runs].sort((a, b) => {
    const [ka, kb] = [key(a), key(b)];
    return ka[0] - kb[0] || ka[1] - kb[1] || ka[2] - kb[2];
  })[0]!;
}

const ms = (n: number | null | undefined) => (n === null || n === undefined || Number.isNaN(n) ? '–' : String(Math.round(n)));

/** Markdown table of `runs`, one row each, in the given order. */
export function markdownTable(runs: readonly RunResult[]): string {
  const header = [
    'Profile',
    'Player (target)',
    'G2G p50 ms',
    'G2G p95 ms',
    'Stalls',
    'Stall time ms',
    'Seeks',
    'TTFF ms',
    'Mean bitrate kbit/s',
    'Switches',
    'Estimate error p50/p95 ms',
    'Window s after load()',
  ];
  const lines = [`| ${header.join(' | ')} |`, `|${header.map((_, i) => (i < 2 ? ' --- ' : ' ---: ')).join('|')}|`];
  for (const r of runs) {
    const reported = r.target === null && r.reportedTarget !== null ? ` → ${r.reportedTarget} s` : '';
    const cells =
      r.error !== null
        ? [r.profile, `${runLabel(r)}${reported}`, `failed: ${r.error.split('\n')[0]!.replaceAll('|', '\\|')}`, '', '', '', '', ms(r.timeToFirstFrameMs), '', '', '', '']
        : [
            r.profile,
            `${runLabel(r)}${reported}`,
            ms(r.g2g.p50),
            ms(r.g2g.p95),
            String(r.stallCount),
            ms(r.stallTimeMs),
            String(r.seekCount),
            ms(r.timeToFirstFrameMs),
            ms(r.meanBitrateKbps),
            String(r.renditionSwitches),
            r.estimateError === null ? '' : `${ms(r.estimateError.p50)} / ${ms(r.estimateError.p95)}`,
            `${Math.round(r.windowStartSeconds)}–${Math.round(r.windowStartSeconds + r.seconds)}`,
          ];
    lines.push(`| ${cells.join(' | ')} |`);
  }
  return lines.join('\n');
}

/**
 * Latency over time for one profile, one line per run (median strip latency
 * of each second of the measured window), with the download limit as a grey
 * step line on a second axis for throttled profiles. Rendered to SVG by
 * vega-lite → vega in Node (no canvas needed).
 */
export async function latencyPlotSvg(profile: string, runs: readonly RunResult[]): Promise<string> {
  const labels = runs.map((r) => runLabel(r));
  const points = runs.flatMap((r) => r.series.map((p) => ({ run: runLabel(r), t: p.t, g2gMs: p.g2gMs })));
  const limits = (runs.find((r) => r.series.some((p) => p.limitKbps !== null))?.series ?? []).map((p) => ({ t: p.t, kbps: p.limitKbps }));
  const throttled = limits.length > 0;
  const spec: TopLevelSpec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: `Glass-to-glass latency, profile "${profile}"`,
    width: 900,
    height: 320,
    background: 'white',
    layer: [
      {
        data: { values: points },
        mark: { type: 'line', strokeWidth: 1.5 },
        encoding: {
          x: { field: 't', type: 'quantitative', title: 'seconds into the measured window' },
          y: { field: 'g2gMs', type: 'quantitative', title: 'glass-to-glass latency, ms (strip, median per second)' },
          // Table order, so each player keeps its colour from plot to plot.
          color: { field: 'run', type: 'nominal', title: null, scale: { domain: labels }, legend: { orient: 'top' } },
        },
      },
      ...(throttled
        ? [
            {
              data: { values: limits },
              mark: { type: 'line' as const, interpolate: 'step-after' as const, color: '#999', strokeDash: [4, 3], strokeWidth: 1 },
              encoding: {
                x: { field: 't', type: 'quantitative' as const },
                y: { field: 'kbps', type: 'quantitative' as const, title: 'download limit, kbit/s (dashed)', axis: { orient: 'right' as const } },
              },
            },
          ]
        : []),
    ],
    ...(throttled ? { resolve: { scale: { y: 'independent' as const } } } : {}),
  };
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  const svg = await view.toSVG();
  view.finalize();
  return svg;
}

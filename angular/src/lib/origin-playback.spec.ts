import { Component, provideZonelessChangeDetection } from '@angular/core';
import { TestBed } from '@angular/core/testing';
import { LLPlayerComponent, type LLPlayerHostElement } from './ll-player.component';
import { sleep } from './testing.spec-helpers';
// The e2e suite's in-page reader of the capture-time strip (../shared/spec/timecode-strip.md):
// defines window.__installStripProbe({ selector }), which samples every presented frame.
import '../../../e2e/src/strip-probe.browser.js';

interface StripSample {
  at: number;
  glassToGlassMs: number | null;
  estimateMs: number | null;
}

interface ProbeWindow {
  __installStripProbe(options: { selector: string }): void;
  __stripSamples: StripSample[];
  __karma__: { config: { args: string[] } };
}

/** Nearest-rank percentile, as the e2e suite computes it. */
function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(1, Math.ceil((p / 100) * sorted.length)) - 1] ?? Number.NaN;
}

/**
 * A page with the README's usage, pointed at the test's origin, at a fixed 0.3 s target: the
 * automatic target rises with the machine's load (other suites run beside this one under Nx),
 * a fixed one is what the latency check can hold to. The fresh-app e2e test covers the automatic one.
 */
@Component({
  imports: [LLPlayerComponent],
  template: `<llstream-player [src]="src" targetLatency="0.3" muted autoplay controls style="width: 640px" />`,
})
class PageComponent {
  readonly src = `${(window as unknown as ProbeWindow).__karma__.config.args[0]}/live/demo/manifest.mpd`;
}

// Started by scripts/test-with-origin.mjs: the built origin with its ffmpeg test source.
describe('LLPlayerComponent against the real origin', () => {
  const page = window as unknown as ProbeWindow;

  it('plays the demo stream at a 0.3 s target under 500 ms glass-to-glass (p50, read from the strip), the estimate within 100 ms of it', async () => {
    const origin = page.__karma__.config.args[0] ?? '';
    expect(origin).withContext('LLSTREAM_ORIGIN_URL (run through npm test)').toMatch(/^http:\/\//);
    TestBed.configureTestingModule({ providers: [provideZonelessChangeDetection()] });
    const fixture = TestBed.createComponent(PageComponent);
    await fixture.whenStable();
    const host = (fixture.nativeElement as HTMLElement).querySelector<LLPlayerHostElement>('llstream-player')!;

    const deadline = Date.now() + 30_000;
    while (host.player?.getSnapshot().status !== 'playing') {
      if (Date.now() > deadline) fail(`not playing after 30 s: ${JSON.stringify(host.player?.getSnapshot().error?.message)}`);
      await sleep(100);
    }
    // Judge latency once the stream has been live for 10 s (a fresh ffmpeg runs behind real time at first).
    await sleep(Number(page.__karma__.config.args[1]) - Date.now());
    page.__installStripProbe({ selector: 'llstream-player' });
    await sleep(5000); // catch-up walks in to the target
    page.__stripSamples.splice(0);
    await sleep(15_000);
    const samples = page.__stripSamples.splice(0);
    const g2g = samples.flatMap((s) => (s.glassToGlassMs === null ? [] : [s.glassToGlassMs]));
    const errors = samples.flatMap((s) =>
      s.glassToGlassMs === null || s.estimateMs === null ? [] : [Math.abs(s.estimateMs - s.glassToGlassMs)],
    );
    const snapshot = host.player!.getSnapshot();
    console.log(
      `<llstream-player> over 15 s: glass-to-glass p50 ${percentile(g2g, 50)} ms p95 ${percentile(g2g, 95)} ms ` +
        `(${g2g.length} frames, ${samples.length - g2g.length} unreadable); |estimate − strip| p50 ` +
        `${Math.round(percentile(errors, 50))} ms p95 ${Math.round(percentile(errors, 95))} ms; ` +
        `target ${snapshot.targetLatency} s (${snapshot.targetLatencySource}); stalls ${snapshot.stallCount}`,
    );
    expect(snapshot).toEqual(jasmine.objectContaining({ targetLatency: 0.3, targetLatencySource: 'option' }));
    // 30 fps for 15 s: most frames presented and readable.
    expect(g2g.length).toBeGreaterThan(300);
    expect(percentile(g2g, 50)).toBeLessThan(500);
    expect(errors.length).toBeGreaterThan(300);
    expect(percentile(errors, 95)).toBeLessThan(100);
    // The readout a viewer sees (<ll-player>'s, in its shadow root) is the player's estimate.
    const readout = host.querySelector('ll-player')?.shadowRoot?.querySelector('[part="latency"]');
    const shown = Number(/Latency (\d+\.\d+) s/.exec(readout?.textContent ?? '')?.[1]);
    expect(Math.abs(shown - (host.player!.getSnapshot().liveLatency ?? Number.NaN))).toBeLessThan(0.15);
    fixture.destroy();
  }, 90_000);
});

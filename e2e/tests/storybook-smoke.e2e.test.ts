import { readFile } from 'node:fs/promises';
import { mkdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { ConsoleMessage, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startVitePreview, type PreviewServer } from '../fresh-apps/react/react-page.js';
import { launchBrowser, type Browser } from '../src/browser.js';
import { waitForSteadyStream } from '../src/config.js';
import { freePort, startOrigin, type OriginProcess } from '../src/origin.js';
import { buildStorybooks, STORYBOOK_FRAMEWORKS, storybookDir, type StoryIndexEntry } from '../src/storybook.js';

const viteBin = join(dirname(createRequire(import.meta.url).resolve('vite/package.json')), 'bin', 'vite.js');

/** How far the video must advance, in seconds of media, for a playing story to pass. */
const ADVANCE_S = 1;

/** Everything a story page said that a person would count as broken. */
interface PageLog {
  readonly errors: string[];
  readonly console: string[];
}

/**
 * Collects a page's uncaught errors and console errors, less `ignore`d ones
 * and the 404 of the browser's own `/favicon.ico` request (Storybook's pages
 * link no favicon.ico).
 */
function watch(page: Page, ignore: (url: string) => boolean = () => false): PageLog {
  const log: PageLog = { errors: [], console: [] };
  page.on('pageerror', (error) => log.errors.push(`pageerror: ${error.message}`));
  page.on('console', (message: ConsoleMessage) => {
    const { url } = message.location();
    const line = `${message.type()}: ${message.text()} (${url})`;
    log.console.push(line);
    if (message.type() === 'error' && !url.endsWith('/favicon.ico') && !ignore(url)) log.errors.push(`console ${line}`);
  });
  return log;
}

/**
 * The failing stories load a stream or origin that is not there on purpose:
 * the browser logs the failed request of that URL, and nothing else may fail.
 */
function expectedFailure(story: StoryIndexEntry, line: string): boolean {
  return story.tags.includes('fails') && /^console error: Failed to load resource: .*\((http:\/\/127\.0\.0\.1:9\/|.*\/live\/no-such-stream\/)/.test(line);
}

/** The player's snapshot where the page exposes one (`<ll-player>` and `<llstream-player>` carry `player`), for failure reports. */
async function snapshotOf(page: Page): Promise<unknown> {
  return page.evaluate(() => {
    const host = document.querySelector('ll-player, llstream-player') as (Element & { player?: { getSnapshot(): object } | null }) | null;
    const snapshot = host?.player?.getSnapshot();
    return snapshot ? JSON.parse(JSON.stringify(snapshot)) : null;
  });
}

/** Opens one story in its own page and returns what is wrong with it (empty when nothing). */
async function checkStory(browser: Browser, base: string, framework: string, story: StoryIndexEntry, origin: OriginProcess): Promise<string[]> {
  const originLogStart = origin.logs.length;
  const page = await browser.context.newPage();
  const log = watch(page);
  const problems: string[] = [];
  try {
    await page.goto(`${base}${framework}/iframe.html?id=${story.id}&viewMode=story`);
    // Storybook marks the body once the story rendered, or shows its error display.
    await page.waitForFunction(() => /sb-show-(main|errordisplay|nopreview)/.test(document.body.className), null, { timeout: 30_000 });
    if (!(await page.evaluate(() => document.body.classList.contains('sb-show-main')))) {
      problems.push(`did not render: ${(await page.locator('#error-message, .sb-nopreview').first().textContent().catch(() => '')) ?? ''}`);
    } else {
      // The renderer may commit a moment after Storybook shows the story (React 19 renders asynchronously).
      const content = page.locator('#storybook-root > *').first();
      await content.waitFor({ state: 'attached', timeout: 10_000 }).catch(() => problems.push('rendered nothing'));
    }

    if (problems.length === 0 && story.tags.includes('playing')) {
      const video = page.locator('video').first();
      const advanced = await video
        .evaluate(
          (element: HTMLVideoElement, seconds) =>
            new Promise<boolean>((resolve) => {
              const timeout = setTimeout(() => resolve(false), 30_000);
              let start: number | null = null;
              const check = () => {
                if (element.currentTime > 0 && !element.paused) start ??= element.currentTime;
                if (start !== null && element.currentTime >= start + seconds) {
                  clearTimeout(timeout);
                  resolve(true);
                } else requestAnimationFrame(check);
              };
              check();
            }),
          ADVANCE_S,
        )
        .catch((error: Error) => error.message);
      if (advanced !== true) {
        problems.push(
          `video did not advance ${ADVANCE_S} s within 30 s (${advanced === false ? 'timed out' : advanced}); ` +
            `currentTime ${await video.evaluate((v: HTMLVideoElement) => v.currentTime).catch(() => '?')}, ` +
            `snapshot ${JSON.stringify(await snapshotOf(page))}, page text "${(await page.locator('body').innerText()).slice(0, 300)}", ` +
            `console:\n  ${log.console.slice(-30).join('\n  ')}\n` +
            `origin warnings meanwhile:\n  ${origin.logs.slice(originLogStart).filter((line) => /"level":(4|5)0/.test(line)).slice(-20).join('\n  ')}`,
        );
      }
      if (story.id.endsWith('--live-panel') || story.id.endsWith('--target-latency')) {
        if ((await page.locator('[data-testid="live-chart"] canvas').count()) === 0) problems.push('live chart has no canvas');
      }
    }

    if (problems.length === 0 && story.tags.includes('fails')) {
      // The overlay's status line (light DOM or <ll-player>'s shadow root) tells the viewer.
      const status = page.getByText(/^(Error: .+|Stream offline: .+)$/).first();
      const shown = await status.waitFor({ timeout: 30_000 }).then(
        () => true,
        () => false,
      );
      if (!shown) problems.push(`no error or offline status shown; snapshot ${JSON.stringify(await snapshotOf(page))}`);
    }

    if (problems.length === 0 && story.tags.includes('sample-tracks')) {
      const audio = page.getByLabel('Audio track').first();
      await audio.waitFor({ timeout: 10_000 }).catch(() => problems.push('no audio track picker'));
      const options = await audio.locator('option').allTextContents().catch(() => []);
      if (options.join('|') !== 'English (stereo)|Deutsch (5.1)') problems.push(`audio picker offers ${JSON.stringify(options)}`);
    }

    const errors = log.errors.filter((line) => !expectedFailure(story, line));
    if (errors.length > 0) problems.push(`errors:\n  ${errors.join('\n  ')}`);
    if (problems.length > 0) {
      await mkdir('test-results', { recursive: true });
      await page.screenshot({ path: `test-results/storybook-${framework}-${story.id}.png` });
    }
  } finally {
    await page.close();
  }
  return problems.map((problem) => `${framework} ${story.id}: ${problem}`);
}

// The static build of the playground (host + React, Angular and web-component
// Storybooks, composed through refs) against a real origin, in headless
// Chromium: every story of every framework renders without errors, and the
// stories that play the demo stream really play it.
describe('Storybook playground (static build)', () => {
  let origin: OriginProcess | undefined;
  let preview: PreviewServer | undefined;
  let browser: Browser | undefined;

  beforeAll(async () => {
    // The origin's URL is baked into the build (LLSTREAM_ORIGIN), so pick its port first.
    const port = await freePort();
    const buildMs = await buildStorybooks(`http://127.0.0.1:${port}`);
    console.log(`build-storybook (4 Storybooks): ${(buildMs / 1000).toFixed(1)} s`);
    origin = await startOrigin({ port });
    preview = await startVitePreview(viteBin, storybookDir);
    browser = await launchBrowser();
    // A freshly started encoder runs behind real time for its first seconds.
    await waitForSteadyStream(origin.url, 'demo');
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await preview?.stop();
    await origin?.stop();
  });

  it('the host composes the three framework Storybooks and shows their stories', async () => {
    const page = await browser!.context.newPage();
    // Storybook's manager asks every ref for stories.json (the pre-7 index) and
    // metadata.json (versions) besides index.json; a ref built by Storybook 10 has neither.
    const log = watch(page, (url) => /\/(stories|metadata)\.json$/.test(url));
    await page.goto(preview!.url);
    for (const framework of STORYBOOK_FRAMEWORKS) {
      // Each ref's groups appear in the sidebar, under the ref's id.
      await page.locator(`[data-ref-id="${framework}"][data-item-id="player"]`).waitFor({ timeout: 30_000 });
    }
    await mkdir('test-results', { recursive: true });
    await page.screenshot({ path: 'test-results/storybook-host.png' });
    for (const framework of STORYBOOK_FRAMEWORKS) {
      // A person opens a ref's story from the sidebar; it plays in the ref's own preview iframe.
      await page.locator(`#${framework}_player`).click();
      await page.locator(`#${framework}_player--default`).click();
      const frame = page.frameLocator(`iframe[src*="${framework}/iframe.html"]`);
      await frame.locator('video').first().waitFor({ state: 'attached', timeout: 30_000 });
    }
    expect(log.errors).toEqual([]);
    await page.close();
  });

  for (const framework of STORYBOOK_FRAMEWORKS) {
    it(`${framework}: every story renders without errors, and the playing ones play`, async () => {
      const index = JSON.parse(await readFile(join(storybookDir, 'dist', framework, 'index.json'), 'utf8')) as {
        entries: Record<string, StoryIndexEntry>;
      };
      const stories = Object.values(index.entries).filter((entry) => entry.type === 'story');
      // Each framework has the same nine stories (see storybook/README.md).
      expect(stories.map((story) => story.id).sort()).toEqual([
        'player--custom-ui',
        'player--default',
        'player--live-panel',
        'player--target-latency',
        'states--missing-stream',
        'states--unreachable-origin',
        'tracks--abr-ladder',
        'tracks--audio-and-subtitles',
        'tracks--sample-tracks',
      ]);
      const problems: string[] = [];
      for (const story of stories) problems.push(...(await checkStory(browser!, preview!.url, framework, story, origin!)));
      expect(problems).toEqual([]);
    }, 240_000);
  }
});

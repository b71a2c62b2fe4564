import { serverRenderingConformance, type ServerRenderingHarness } from '@llstream/core/testing';
import { describe, expect, it } from 'vitest';

/** `<ll-player>` markup for `options`, as a server template (any framework's, or a string) writes it. */
function markup(attributes: Record<string, string | boolean | undefined>): string {
  const written = Object.entries(attributes)
    .filter(([, value]) => value !== undefined && value !== false)
    .map(([name, value]) => (value === true ? ` ${name}` : ` ${name}="${String(value).replaceAll('&', '&amp;').replaceAll('"', '&quot;')}"`));
  return `<ll-player${written.join('')}></ll-player>`;
}

describe('@llstream/vanilla on the server', () => {
  it('imports, and its define entry registers nothing, without a DOM', async () => {
    expect(typeof document).toBe('undefined');
    // Imported after the check, so that module evaluation itself runs without a DOM.
    const { LLPlayerElement } = await import('./define.js');
    expect(LLPlayerElement.tagName).toBe('ll-player');
    expect(LLPlayerElement.observedAttributes).toContain('target-latency');
  });

  const harness: ServerRenderingHarness = {
    name: '<ll-player>',
    async renderToString({ src, targetLatency, muted, autoplay, controls }) {
      await import('./define.js');
      return markup({ src, 'target-latency': targetLatency === null || targetLatency === undefined ? undefined : String(targetLatency), muted, autoplay, controls });
    },
  };
  for (const check of serverRenderingConformance) it(check.name, () => check.run(harness));
});

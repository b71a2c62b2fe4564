import { describe, expect, it } from 'vitest';

// Server rendering of <ll-player> is markup a server template writes; what the package owes it is
// that importing it (React's and Angular's server renders do) works where there is no DOM.
// React's server-rendering conformance case renders the element through <LLPlayer>.
describe('@llstream/vanilla on the server', () => {
  it('imports, and its define entry registers nothing, without a DOM', async () => {
    expect(typeof document).toBe('undefined');
    expect(typeof customElements).toBe('undefined');
    // Imported after the checks, so that module evaluation itself runs without a DOM.
    const { LLPlayerElement } = await import('./define.js');
    expect(LLPlayerElement.tagName).toBe('ll-player');
    expect(LLPlayerElement.observedAttributes).toContain('target-latency');
  });
});

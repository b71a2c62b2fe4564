// @vitest-environment node
import { renderToString } from 'react-dom/server';
import { describe, expect, it } from 'vitest';

describe('LLPlayer on the server', () => {
  it('imports and renders to a string without a DOM: the video and an idle overlay', async () => {
    expect(typeof window).toBe('undefined');
    expect(typeof document).toBe('undefined');
    // Imported here, after the check, so that module evaluation itself runs without a DOM.
    const { LLPlayer, useLLPlayer } = await import('./index.js');
    const html = renderToString(<LLPlayer src="/live/demo/manifest.mpd" targetLatency={0.3} muted autoPlay controls className="stage" />);
    expect(html).toMatch(/^<div class="stage" style="[^"]*position:relative/);
    expect(html).toContain('<video playsInline="" controls=""');
    expect(html).toContain('Latency – · target 0.30 s');
    expect(html).toContain('role="status"');
    expect(html).not.toContain('Go live');

    function Custom() {
      const { ref, state, player } = useLLPlayer({ src: '/live/demo/manifest.mpd' });
      return <video ref={ref} data-status={state.status} data-player={String(player)} />;
    }
    expect(renderToString(<Custom />)).toBe('<video data-status="idle" data-player="null"></video>');
  });
});

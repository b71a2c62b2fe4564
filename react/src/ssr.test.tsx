// @vitest-environment node
import { serverRenderingConformance, type ServerRenderingHarness } from '@llstream/core/testing';
import { renderToString } from 'react-dom/server';
import { describe, expect, it } from 'vitest';

describe('LLPlayer on the server', () => {
  it('imports and renders to a string without a DOM: <ll-player> with its attributes', async () => {
    expect(typeof window).toBe('undefined');
    expect(typeof document).toBe('undefined');
    // Imported here, after the check, so that module evaluation itself runs without a DOM.
    const { LLPlayer, useLLPlayer } = await import('./index.js');
    const html = renderToString(<LLPlayer src="/live/demo/manifest.mpd" targetLatency={0.3} muted autoPlay controls className="stage" />);
    expect(html).toBe('<ll-player class="stage" tabindex="0" src="/live/demo/manifest.mpd" muted="" autoplay="" controls=""></ll-player>');

    function Custom() {
      const { ref, state, player } = useLLPlayer({ src: '/live/demo/manifest.mpd' });
      return <video ref={ref} data-status={state.status} data-player={String(player)} />;
    }
    expect(renderToString(<Custom />)).toBe('<video data-status="idle" data-player="null"></video>');
  });

  const harness: ServerRenderingHarness = {
    name: '<LLPlayer>',
    async renderToString({ src, targetLatency, muted, autoplay, controls }) {
      const { LLPlayer } = await import('./index.js');
      return renderToString(<LLPlayer src={src} targetLatency={targetLatency} muted={muted} autoPlay={autoplay} controls={controls} />);
    },
  };
  for (const check of serverRenderingConformance) it(check.name, () => check.run(harness));
});

// In-page half of strip-probe.ts, injected as is with page.addScriptTag so
// no transpiler rewrites it. Defines window.__installStripProbe({ selector }),
// which samples every presented frame into window.__stripSamples.
// Reading rules: ../shared/spec/timecode-strip.md, "Reading it back".
(() => {
  const TWO_32 = 2 ** 32;

  /** @param {{ selector: string }} options */
  function installStripProbe({ selector }) {
    const host = document.querySelector(selector);
    if (host === null) throw new Error(`strip probe: no element matches ${selector}`);
    const video = host instanceof HTMLVideoElement ? host : host.video;
    if (!(video instanceof HTMLVideoElement)) throw new Error(`strip probe: ${selector} has no video`);

    const canvas = document.createElement('canvas');
    const context = canvas.getContext('2d', { willReadFrequently: true });
    if (context === null) throw new Error('strip probe: no 2d canvas');
    const samples = [];

    function readStamp() {
      const width = video.videoWidth;
      const height = video.videoHeight;
      if (width === 0 || height === 0) return null;
      // Only the strip row is drawn, at natural scale: the same pixels as the
      // spec's full-frame draw, at a fraction of the cost.
      const stripWidth = Math.ceil((1024 * width) / 1280);
      const y = Math.floor((16 * height) / 720);
      if (canvas.width !== stripWidth || canvas.height !== 1) {
        canvas.width = stripWidth;
        canvas.height = 1;
      }
      context.drawImage(video, 0, y, stripWidth, 1, 0, 0, stripWidth, 1);
      const row = context.getImageData(0, 0, stripWidth, 1).data;
      let value = 0;
      for (let i = 0; i < 32; i++) {
        const x = Math.floor(((32 * i + 16) * width) / 1280);
        const luma = (row[4 * x] + row[4 * x + 1] + row[4 * x + 2]) / 3;
        // Multiply, not shift: JavaScript's << is signed 32-bit.
        value = value * 2 + (luma > 128 ? 1 : 0);
      }
      return value;
    }

    /** The player's own estimate, seconds: `<ll-player>`'s snapshot, else a bench page's (dash.js, Shaka). */
    function estimateNow() {
      if (host.player !== undefined) return host.player?.getSnapshot().liveLatency ?? null;
      return window.__bench?.liveLatencyEstimate ?? null;
    }

    function onFrame(_now, metadata) {
      const at = Date.now();
      const stamp = readStamp();
      let glassToGlassMs = null;
      if (stamp !== null) {
        const latency = ((at % TWO_32) - stamp + TWO_32) % TWO_32;
        glassToGlassMs = latency > 60_000 ? null : latency;
      }
      const estimate = estimateNow();
      samples.push({ at, glassToGlassMs, estimateMs: estimate === null ? null : estimate * 1000, mediaTime: metadata.mediaTime });
      video.requestVideoFrameCallback(onFrame);
    }

    video.requestVideoFrameCallback(onFrame);
    window.__stripSamples = samples;
  }

  window.__installStripProbe = installStripProbe;
})();

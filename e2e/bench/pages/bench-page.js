// In-page half of the comparative latency bench (../players.ts), shared by
// the three player pages so that every player is measured by the same code
// from its <video> element's events. A page registers its player with
// window.__benchRegister(create); the bench then calls
// window.__bench.start({ mpd, target, ladder }) and polls window.__bench.
//
// create({ mpd, target }) returns { video, load(), estimate() }:
//   video      the <video> the player renders into (already in the document
//              or put there by load()),
//   load()     starts the player (its load()/initialize() call),
//   estimate() the player's own live latency estimate in seconds, or null.
(() => {
  const now = () => Date.now();
  let create = null;
  let player = null;
  let video = null;
  /** @type {{ height: number, bandwidth: number }[]} */
  let ladder = [];
  let status = 'idle';
  let error = null;
  let loadAt = null;
  let firstPlayingAt = null;
  let stallStart = null;
  let stallCount = 0;
  let stallTimeMs = 0;
  let seekCount = 0;
  let height = 0;
  let heightSince = null;
  let bitSeconds = 0;
  let renditionSwitches = 0;
  const events = [];

  // The rung shown: Representation@bandwidth of the ladder height nearest to videoHeight.
  const bandwidthOf = (h) => {
    let best = null;
    for (const rung of ladder) if (best === null || Math.abs(rung.height - h) < Math.abs(best.height - h)) best = rung;
    return best === null ? 0 : best.bandwidth;
  };
  // Time-weighted bandwidth of what is on screen, in bits, since the first frame
  // played; a frozen frame during a stall still counts as its rendition.
  const bitSecondsNow = () => (heightSince === null ? bitSeconds : bitSeconds + (bandwidthOf(height) * (now() - heightSince)) / 1000);
  const stallTimeNow = () => stallTimeMs + (stallStart === null ? 0 : now() - stallStart);

  function onEvent(event) {
    const at = now();
    events.push({ at, type: event.type, height: video.videoHeight, currentTime: video.currentTime });
    switch (event.type) {
      case 'playing':
        if (firstPlayingAt === null) {
          firstPlayingAt = at;
          height = video.videoHeight;
          heightSince = at;
        }
        if (stallStart !== null) {
          stallTimeMs += at - stallStart;
          stallStart = null;
        }
        status = 'playing';
        break;
      case 'waiting':
        // The start-up wait is not a stall, nor is the wait of a seek (a player's catch-up jump):
        // the rule llstream's core counts its own stalls by. A stall lasts until the next 'playing'.
        if (firstPlayingAt !== null && stallStart === null && !video.seeking && !video.paused) {
          stallStart = at;
          stallCount++;
          status = 'stalled';
        }
        break;
      case 'seeking':
        if (firstPlayingAt !== null) seekCount++;
        break;
      case 'resize':
        if (video.videoHeight === height) break;
        if (heightSince !== null) {
          bitSeconds = bitSecondsNow();
          heightSince = at;
          if (height > 0) renditionSwitches++;
        }
        height = video.videoHeight;
        break;
      case 'error':
        status = 'error';
        error = video.error ? `MediaError ${video.error.code}: ${video.error.message}` : 'error';
        break;
    }
  }

  function bufferAhead() {
    const t = video.currentTime;
    for (let i = 0; i < video.buffered.length; i++) {
      if (video.buffered.start(i) <= t + 0.1 && t < video.buffered.end(i)) return video.buffered.end(i) - t;
    }
    return 0;
  }

  window.__benchRegister = (fn) => {
    create = fn;
  };
  window.addEventListener('error', (event) => {
    error = String(event.message);
  });
  window.addEventListener('unhandledrejection', (event) => {
    error = String(event.reason?.message ?? event.reason);
  });

  window.__bench = {
    get ready() {
      return create !== null;
    },
    /** Creates the player, instruments its video, then calls its load(); returns at once. */
    start(config) {
      if (create === null) throw new Error('no player registered');
      ladder = config.ladder;
      player = create(config);
      video = player.video;
      for (const type of ['playing', 'waiting', 'seeking', 'seeked', 'resize', 'pause', 'error', 'ratechange']) {
        video.addEventListener(type, onEvent);
      }
      status = 'loading';
      loadAt = now();
      Promise.resolve()
        .then(() => player.load())
        .catch((e) => {
          status = 'error';
          error = String(e?.message ?? e?.code ?? e);
        });
    },
    get status() {
      return status;
    },
    get error() {
      return error;
    },
    /** The player's own estimate, seconds, or null. */
    get liveLatencyEstimate() {
      const value = player?.estimate() ?? null;
      return typeof value === 'number' && Number.isFinite(value) ? value : null;
    },
    get playbackRate() {
      return video?.playbackRate ?? null;
    },
    /** Seconds buffered ahead of the playback position. */
    get bufferAhead() {
      return video === null ? null : bufferAhead();
    },
    get stallCount() {
      return stallCount;
    },
    /** Total stall time, ms, including a stall in progress. */
    get stallTimeMs() {
      return stallTimeNow();
    },
    get seekCount() {
      return seekCount;
    },
    /** From the load() call to the first 'playing', ms; null until then. */
    get timeToFirstFrameMs() {
      return firstPlayingAt === null ? null : firstPlayingAt - loadAt;
    },
    get firstPlayingAt() {
      return firstPlayingAt;
    },
    get renditionHeight() {
      return video?.videoHeight ?? null;
    },
    /** Representation@bandwidth of the rendition on screen, bits/s. */
    get bitrate() {
      return video === null ? null : bandwidthOf(video.videoHeight);
    },
    get renditionSwitches() {
      return renditionSwitches;
    },
    /** ∫ bitrate dt since the first frame, bits (difference two readings for a mean). */
    get bitSeconds() {
      return bitSecondsNow();
    },
    get droppedFrames() {
      return video?.getVideoPlaybackQuality().droppedVideoFrames ?? null;
    },
    get totalFrames() {
      return video?.getVideoPlaybackQuality().totalVideoFrames ?? null;
    },
    /** Wall-clock ms of this reading, for differencing. */
    get at() {
      return now();
    },
    takeEvents() {
      return events.splice(0, events.length);
    },
  };
})();

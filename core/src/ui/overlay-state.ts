import type { AudioTrack, Rendition, TextTrack } from '../engine/tracks.js';
import type { Player } from '../player.js';
import type { PlayerSnapshot, PlayerStatus } from '../store/player-snapshot.js';

/**
 * How far past the target, in seconds, live latency must be before the
 * default overlays offer "Go live". Catch-up walks back smaller gaps by
 * itself within seconds (at most 15 % faster than real time), and the
 * player seeks to live on its own at 1.5 s over target, so a button shown
 * for less would flicker for gaps that close without the viewer.
 */
export const BEHIND_LIVE_MARGIN = 0.5;

/** One entry of a picker in the default overlay. */
export interface OverlayOption {
  /** The id to pass to `setQuality`, `setAudioTrack` or `setTextTrack` (`null`: subtitles off). */
  readonly id: string | null;
  /** What the viewer reads, e.g. `"720p · 2.5 Mb/s"`, `"English (5.1)"`, `"Auto"`. */
  readonly label: string;
}

/** A picker of the default overlay: what to offer and which entry is chosen. */
export interface OverlayPicker {
  /** The entries, in the order shown. */
  readonly options: readonly OverlayOption[];
  /** The `id` of the chosen entry (`'auto'` for automatic quality, `null` for subtitles off). */
  readonly selected: string | null;
}

/**
 * What the default overlay of every adapter shows for a snapshot, worked out
 * once here so that `<LLPlayer>`, the Angular component and `<ll-player>`
 * agree. Plain data: each adapter renders it in its own idiom.
 */
export interface OverlayState {
  /** The latency readout, e.g. `"Latency 0.25 s · target 0.30 s"` (a dash while unknown). */
  readonly latencyText: string;
  /** A line for the viewer about the player's state (loading, buffering, paused, offline, error), or `null` while playing. */
  readonly statusText: string | null;
  /**
   * Whether to offer "Go live" (`player.seekToLive()`): paused, or live
   * latency more than {@link BEHIND_LIVE_MARGIN} over the target.
   */
  readonly behindLive: boolean;
  /** Rendition picker ("Auto" first, then the ladder, highest first), or `null` when the stream has one rendition or none. */
  readonly quality: OverlayPicker | null;
  /** Audio track picker, or `null` when the stream has fewer than two audio tracks. */
  readonly audio: OverlayPicker | null;
  /** Subtitle picker ("Off" first), or `null` when the stream has no text track. */
  readonly text: OverlayPicker | null;
}

const STATUS_TEXT: Partial<Record<PlayerStatus, string>> = {
  loading: 'Loading…',
  stalled: 'Buffering…',
  paused: 'Paused',
  offline: 'Stream offline: waiting for it to come back…',
};

/** `"0.98 s"`, or a dash while the value is unknown. */
function formatSeconds(seconds: number | null): string {
  return seconds === null ? '–' : `${seconds.toFixed(2)} s`;
}

/** `"2.5 Mb/s"` or `"800 kb/s"` from bits per second. */
function formatBitrate(bitsPerSecond: number): string {
  return bitsPerSecond >= 1e6 ? `${(bitsPerSecond / 1e6).toFixed(1)} Mb/s` : `${Math.round(bitsPerSecond / 1e3)} kb/s`;
}

function renditionLabel(r: Rendition): string {
  return `${r.height}p · ${formatBitrate(r.bandwidth)}`;
}

const CHANNEL_LAYOUTS: Readonly<Record<number, string>> = { 1: 'mono', 2: 'stereo', 6: '5.1', 8: '7.1' };

function trackName(track: AudioTrack | TextTrack, fallback: string): string {
  return track.label ?? track.language ?? fallback;
}

function audioLabel(track: AudioTrack, index: number): string {
  const layout = track.channels === null ? null : (CHANNEL_LAYOUTS[track.channels] ?? `${track.channels} ch`);
  const name = trackName(track, `Audio ${index + 1}`);
  return layout ? `${name} (${layout})` : name;
}

function textLabel(track: TextTrack, index: number): string {
  const name = trackName(track, `Subtitles ${index + 1}`);
  return track.kind === 'captions' ? `${name} (CC)` : name;
}

/**
 * Works out what the default overlay shows for `snapshot`. Pure: the same
 * snapshot always gives an equal result.
 */
export function overlayState(snapshot: PlayerSnapshot): OverlayState {
  const { liveLatency, targetLatency } = snapshot;
  const renditions = [...snapshot.renditions].sort((a, b) => b.bandwidth - a.bandwidth);
  return {
    latencyText: `Latency ${formatSeconds(liveLatency)} · target ${formatSeconds(targetLatency)}`,
    statusText: snapshot.error ? `Error: ${snapshot.error.message}` : (STATUS_TEXT[snapshot.status] ?? null),
    behindLive:
      snapshot.status === 'paused' ||
      (snapshot.status === 'playing' && liveLatency !== null && liveLatency > targetLatency + BEHIND_LIVE_MARGIN),
    quality:
      renditions.length < 2
        ? null
        : {
            options: [{ id: 'auto', label: 'Auto' }, ...renditions.map((r) => ({ id: r.id, label: renditionLabel(r) }))],
            selected: snapshot.quality,
          },
    audio:
      snapshot.audioTracks.length < 2
        ? null
        : { options: snapshot.audioTracks.map((t, i) => ({ id: t.id, label: audioLabel(t, i) })), selected: snapshot.audioTrack },
    text:
      snapshot.textTracks.length === 0
        ? null
        : {
            options: [{ id: null, label: 'Off' }, ...snapshot.textTracks.map((t, i) => ({ id: t.id, label: textLabel(t, i) }))],
            selected: snapshot.textTrack,
          },
  };
}

/**
 * What the default overlays' "Go live" button does: jumps to the target
 * latency ({@link Player.seekToLive}) and, if the viewer had paused, plays.
 */
export function goLive(player: Pick<Player<unknown>, 'seekToLive' | 'play' | 'getSnapshot'>): void {
  player.seekToLive();
  if (player.getSnapshot().status === 'paused') player.play();
}

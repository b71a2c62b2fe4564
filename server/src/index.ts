/**
 * @llstream/server: the llstream reference origin. ffmpeg (or any DASH
 * publisher) pushes low-latency MPEG-DASH in over HTTP; viewers and CDNs get
 * every CMAF chunk the moment it arrives.
 *
 * @packageDocumentation
 */
export { createOrigin, type Origin, type OriginLimits, type OriginOptions } from './origin/create-origin.js';
export type { HealthReport } from './origin/health-route.js';
export { requestBaseUrl } from './origin/base-url.js';
export { DEFAULT_READER_STALL_TIMEOUT, playbackRoutes, type PlaybackRoutesOptions } from './origin/playback-routes.js';
export { checkFileName, checkStreamName, FILE_NAME_PATTERN, STREAM_NAME_PATTERN } from './origin/names.js';
export { SegmentStore, type SegmentStoreOptions } from './store/segment-store.js';
export { LiveStream, StoreLimitError, type LiveStreamStats, type StoreBound, type StoreUsage } from './store/live-stream.js';
export {
  Segment,
  SegmentAbortedError,
  SegmentTooLargeError,
  type SegmentOptions,
  type SegmentState,
} from './store/segment.js';
export {
  prepareManifest,
  parseDuration,
  ManifestError,
  UTC_TIMING_SCHEME,
  type ManifestInfo,
  type PreparedManifest,
  type RepresentationInfo,
} from './packaging/manifest.js';
export { compileMediaTemplate, expandTemplate, type MediaNamePattern } from './packaging/segment-template.js';
export {
  buildTestSourceArgs,
  runTag,
  timecodeFilterGraph,
  DEFAULT_FONT_FILE,
  type TestSourceArgsOptions,
} from './transcode/ffmpeg-args.js';
export {
  FfmpegSupervisor,
  type FfmpegExit,
  type FfmpegState,
  type FfmpegStatus,
  type FfmpegSupervisorOptions,
} from './transcode/ffmpeg-supervisor.js';
export { TestSourceUnavailableError, type TestSourceOptions } from './ingest/test-source.js';
// metrics (helper M)
export {
  OriginMetrics,
  FANOUT_DELAY_BUCKETS,
  type OriginMetricsOptions,
  type NotFoundKind,
  type StreamStateName,
  type StreamStatsSource,
} from './metrics/origin-metrics.js';
export { metricsRoute, type MetricsRouteOptions } from './origin/metrics-route.js';
export type { HeldRequestOutcome, StoreObserver, StreamObserver } from './store/store-observer.js';
export { READER_HIGH_WATER_MARK, type SegmentHooks, type SegmentReaderOptions } from './store/segment.js';
// config and transcode (helper T)
export {
  DEFAULT_LADDER,
  DEFAULT_PRESETS,
  X264_PRESETS,
  originConfigSchema,
  type LadderRung,
  type LatencyConfig,
  type OriginConfig,
  type StreamConfig,
  type StreamSourceConfig,
  type SubtitleFileConfig,
  type TranscodeConfig,
  type X264Preset,
} from './config/config-schema.js';
export { ConfigError, defaultConfig, loadConfig, parseConfig, type ConfigIssue } from './config/load-config.js';
export {
  InputError,
  parseProbe,
  probeInput,
  type InputProbe,
  type ProbeOptions,
  type ProbeTarget,
  type ProbedAudio,
  type ProbedSubtitle,
  type ProbedVideo,
} from './transcode/probe-input.js';
export {
  aacLayout,
  buildTranscodeArgs,
  ingestCredentialPresets,
  selectRenditions,
  TEST_SOURCE_PROBE,
  type AacLayout,
  type ExtraOutputArgs,
  type Rendition,
  type TranscodeArgsOptions,
  type TranscodeInput,
} from './transcode/ffmpeg-args.js';
export type { ManifestFixup, ManifestOptions } from './packaging/manifest.js';
// subtitles (helper C)
export { parseWebVtt, parseTimestamp, formatTimestamp, WebVttError, WebVttStreamReader, type SubtitleCue, type WebVttDocument } from './packaging/subtitles/webvtt.js';
export { wvttInitSegment, wvttMediaSegment, wvttSampleData, packedLanguage, WVTT_TRACK_ID, type WvttSample, type WvttInitOptions, type WvttSegmentOptions } from './packaging/subtitles/wvtt.js';
export { segmentSamples, type SampleInterval } from './packaging/subtitles/cue-samples.js';
export { addTextAdaptationSets, readVideoTimeline, TEXT_BANDWIDTH, type TextTrackEntry, type VideoTimeline } from './packaging/subtitles/text-adaptation-set.js';
export {
  SubtitlePackager,
  SubtitleFileError,
  SUBTITLE_TRACK_ID_PATTERN,
  LANGUAGE_PATTERN,
  type SidecarSubtitle,
  type SubtitlePackagerOptions,
  type SubtitleTrackInfo,
  type SubtitleUpload,
} from './packaging/subtitles/subtitle-packager.js';
export { subtitleOutputs, subtitleUploadPath, inputTrackId, TEXT_SUBTITLE_CODECS } from './packaging/subtitles/subtitle-outputs.js';
export { subtitleRoutes, type SubtitleRoutesOptions } from './origin/subtitle-routes.js';
// sources and lifecycle (helper S)
export {
  StreamManager,
  StreamExistsError,
  InvalidStreamError,
  StreamLimitError,
  type ManagedSource,
  type PullLimits,
  type ManagedStream,
  type RenditionSummary,
  type SessionSummary,
  type StreamManagerOptions,
  type StreamState,
  type StreamSummary,
  type SupervisionOptions,
  type TranscoderSummary,
} from './ingest/stream-manager.js';
export {
  RtmpIngest,
  parseRtmpPath,
  RTMP_APP,
  DEFAULT_RTMP_LIMITS,
  RTMP_PRE_PUBLISH,
  RTMP_PUBLISH_REFUSED,
  type PublishDecision,
  type RtmpIngestOptions,
  type RtmpIngestStats,
  type RtmpLimits,
  type RtmpPath,
  type RtmpPublisher,
  type RtmpPublishRequest,
} from './ingest/rtmp-server.js';
export { FlvFeed, TIMESTAMP_JUMP, type FlvFeedOptions, type FlvTagInput } from './ingest/flv-feed.js';
export { FeedWaiters, type HeadOptions, type MediaFeed } from './ingest/media-feed.js';
export { FailureLimiter, clientKey, type FailureLimiterOptions } from './auth/failure-limiter.js';
export { SrtListener, SrtFeed, checkSrtPassphrase, SRT_PASSPHRASE_LENGTH, type SrtListenerOptions } from './ingest/srt-listener.js';
export { endPresentation, endedManifest, mediaEnd } from './ingest/ended-manifest.js';
export { IngestMeter } from './ingest/ingest-meter.js';
export {
  checkIngestKey,
  keysMatch,
  presentedKey,
  StreamKeyRing,
  type KeyCheck,
  type PublishKeys,
  type StreamKeyRingOptions,
} from './auth/stream-keys.js';
export { hashKey, hashKeySync, KEY_HASH_COST, KEY_HASH_PATTERN, KeyFormatError, parseKeyHash, toKeyHashes, type KeyHash } from './auth/key-hash.js';
export {
  checkPlaybackToken,
  DEFAULT_CLOCK_SKEW,
  PLAYBACK_TOKEN_PATTERN,
  signedPlaybackPath,
  signPlaybackToken,
  type PlaybackTokenCheck,
  type PlaybackTokenProblem,
} from './auth/signed-urls.js';
export { apiRoutes, type ApiRoutesOptions } from './origin/api-routes.js';
export { fdTextPath, fdTextUrl, outputPipeDescriptor, outputPipeUrl, type FfmpegInvocation, type FfmpegProgress } from './transcode/ffmpeg-supervisor.js';
export { IngestCredentials, type IngestCredential } from './auth/ingest-credentials.js';
export {
  checkPullSource,
  pullInvocation,
  redactUrl,
  resolvePullInput,
  PULL_FORMATS,
  PULL_SCHEMES,
  PullSourceError,
  type PullFilePolicy,
  type PullFormat,
  type PullInput,
  type PullInvocationOptions,
  type PullSourceConfig,
} from './sources/pull-source.js';
// CDN edge (issue 5)
export {
  startEdge,
  edgeVcl,
  parseOriginUrl,
  EDGE_CONFIG_DIR,
  VarnishNotFoundError,
  EdgeStartError,
  type Edge,
  type EdgeOptions,
} from './edge/start-edge.js';
export { SURROGATE_SEGMENT, PREFETCH_ENABLED_HEADER, PREFETCH_PATH_HEADER } from './origin/cache-control.js';

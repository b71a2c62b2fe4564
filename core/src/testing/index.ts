/**
 * Test helpers for code built on `@llstream/core` (the framework adapters'
 * tests use them): a scriptable engine that needs no browser and no stream,
 * the adapter conformance suite every adapter runs, and the simulated chunked
 * live stream the control law is tuned against (kept out of the main entry:
 * pages that play streams never load it).
 *
 * @packageDocumentation
 */
export { FakeEngine, type FakeEngineOptions } from './fake-engine.js';
export { SAMPLE_TRACKS } from './sample-tracks.js';
export {
  adapterConformance,
  serverRenderingConformance,
  CONFORMANCE_SRC,
  MOUNT_CYCLES,
  type AdapterHarness,
  type ConformanceCase,
  type ConformanceOptions,
  type DeliveredEvent,
  type MountedAdapter,
  type ServerRenderingHarness,
} from './conformance.js';
export { trackResources, type ResourceCounts, type ResourceTracker } from './resources.js';
export {
  simulateLive,
  type BandwidthStep,
  type SimulationOptions,
  type SimulationResult,
  type SimulationSample,
} from './live-simulator.js';

/**
 * Test helpers for code built on `@llstream/core` (the framework adapters'
 * tests use them): a scriptable engine that needs no browser and no stream,
 * and the adapter conformance suite every adapter runs.
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

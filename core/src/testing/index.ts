/**
 * Test helpers for code built on `@llstream/core` (the framework adapters'
 * tests use them): a scriptable engine that needs no browser and no stream.
 *
 * @packageDocumentation
 */
export { FakeEngine, type FakeEngineOptions } from './fake-engine.js';
export { SAMPLE_TRACKS } from './sample-tracks.js';

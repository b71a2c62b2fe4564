// Type tests, checked by `npm run typecheck` (tsc fails if an expected error disappears).
import { EventEmitter } from './event-emitter.js';

interface TestEvents {
  tick: { n: number };
  done: void;
}

const emitter = new EventEmitter<TestEvents>();
emitter.emit('done');
emitter.emit('tick', { n: 1 });
emitter.on('tick', (payload) => payload.n.toFixed());
// @ts-expect-error a payload-less event takes no payload
emitter.emit('done', { n: 1 });
// @ts-expect-error an event with a payload needs it
emitter.emit('tick');
// @ts-expect-error the payload must match the event
emitter.emit('tick', { n: 'one' });
// @ts-expect-error unknown event type
emitter.on('tock', () => {});

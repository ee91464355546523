import type { Clock, IdGenerator } from '../../src/app/shared/ports.js';

/** A clock that stands still until a test moves it. */
export interface FixedClock extends Clock {
  set(at: Date | string): void;
  advance(ms: number): void;
}

export function fixedClock(start: Date | string = '2026-03-01T09:00:00.000Z'): FixedClock {
  let current = new Date(start);
  return {
    now: () => new Date(current),
    set: (at) => {
      current = new Date(at);
    },
    advance: (ms) => {
      current = new Date(current.getTime() + ms);
    },
  };
}

/** Ids `id-000001`, `id-000002`, … — sortable by creation, like the real UUIDv7s. */
export function sequentialIds(prefix = 'id'): IdGenerator {
  let n = 0;
  return { next: () => `${prefix}-${String(++n).padStart(6, '0')}` };
}

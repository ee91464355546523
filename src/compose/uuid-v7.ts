import { randomFillSync } from 'node:crypto';
import type { Clock, IdGenerator } from '../app/index.js';

export const systemClock: Clock = { now: () => new Date() };

/**
 * Random bytes drawn from the system in blocks and handed out 10 at a time: one `randomBytes(16)`
 * per id was a buffer and a system call each, 2% of the main thread on the governed path (as
 * `crypto.randomUUID` does, which keeps a cache of its own).
 */
const randomBlock = Buffer.alloc(16 * 256);
let randomAt = randomBlock.length;

function takeRandom(into: Buffer, at: number, count: number): void {
  if (randomAt + count > randomBlock.length) {
    randomFillSync(randomBlock);
    randomAt = 0;
  }
  randomBlock.copy(into, at, randomAt, randomAt + count);
  // Each byte is handed out once: a block is refilled before any of it is reused.
  randomAt += count;
}

/**
 * UUIDv7 (RFC 9562 §5.7): 48 bits of Unix milliseconds, then random bits, so ids sort by creation
 * time in indexes and listings without a separate sequence.
 */
export function uuidV7(clock: Clock = systemClock): IdGenerator {
  return {
    next() {
      const bytes = Buffer.allocUnsafe(16);
      let ms = clock.now().getTime();
      for (let i = 5; i >= 0; i--) {
        bytes[i] = ms % 256;
        ms = Math.floor(ms / 256);
      }
      takeRandom(bytes, 6, 10);
      bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x70;
      bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
      const hex = bytes.toString('hex');
      return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
    },
  };
}

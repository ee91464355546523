import { randomBytes } from 'node:crypto';
import type { Clock, IdGenerator } from '../app/index.js';

export const systemClock: Clock = { now: () => new Date() };

/**
 * UUIDv7 (RFC 9562 §5.7): 48 bits of Unix milliseconds, then random bits, so ids sort by creation
 * time in indexes and listings without a separate sequence.
 */
export function uuidV7(clock: Clock = systemClock): IdGenerator {
  return {
    next() {
      const bytes = randomBytes(16);
      let ms = clock.now().getTime();
      for (let i = 5; i >= 0; i--) {
        bytes[i] = ms % 256;
        ms = Math.floor(ms / 256);
      }
      bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x70;
      bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
      const hex = bytes.toString('hex');
      return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
    },
  };
}

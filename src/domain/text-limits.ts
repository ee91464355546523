/**
 * Bounds on free text that is stored with a model or a version and sent back with every read of
 * it: reads are kept in memory (`app/shared/read-cache.ts`, `counted-cache.ts`), so an unbounded
 * field is heap that any registrar can pin. Counted in UTF-8 bytes, as stored and sent.
 */
import { invalidInput } from './errors.js';

/**
 * Bytes of a version's artifact URI. MLflow's SQL stores hold a version's `source` in 500
 * characters (at most 2,000 bytes), so anything MLflow can register fits with room to spare.
 */
export const maxArtifactUriBytes = 4096;

/** Bytes of a model's description (MLflow's description limit is 5,000 characters). */
export const maxModelDescriptionBytes = 20_000;

/**
 * Bytes of a free-text field a write stores with its record and its audit entry, kept for ever: a
 * transition request's or a rollback's `reason`, an approval's or a review's `comment`, any
 * `ticket`, a token's or a webhook's `description`. Without it only the request body limit (64 MiB
 * by default) bounded them.
 */
export const maxFreeTextBytes = 20_000;

/** Bytes of a model's owner team. */
export const maxOwnerTeamBytes = 256;

const encoder = new TextEncoder();

/** Throws `invalid_input` naming the field and its limit when `value` is over `maxBytes`. */
export function assertTextWithin(input: { field: string; value: string; maxBytes: number }): void {
  const { field, value, maxBytes } = input;
  // Cheap first: at most three UTF-8 bytes per UTF-16 unit, at least one.
  if (value.length * 3 <= maxBytes) return;
  if (value.length <= maxBytes && encoder.encode(value).length <= maxBytes) return;
  throw invalidInput(
    `The ${field} is longer than ${maxBytes} bytes (UTF-8); at most ${maxBytes} bytes are stored.`,
    `Shorten the ${field} to ${maxBytes} bytes or fewer.`,
  );
}

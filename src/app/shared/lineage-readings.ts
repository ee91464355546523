/**
 * What each lineage blob says about its trainer, kept in memory by blob digest (ADR 020). A blob's
 * digest fixes its bytes, so its reading never changes: the same argument that lets a transaction
 * use a reading made before it (`lineageTrainersAhead`, ADR 019) lets a later use case use it.
 * Separation of duties reads the lineage of a version on every approval and at execution; with
 * this, the blob is read once (or not at all: attaching it records its reading).
 */
import { isClearanceError } from '../../domain/index.js';
import type { AppDeps } from './app-deps.js';

/** The trainer a lineage blob names, null for none, or `unreadable` (the rule cannot be checked). */
export type LineageReading = string | null | 'unreadable';

/** Digests kept at most: a reading is a digest and a name, a few hundred bytes. */
const defaultCapacity = 8192;

/**
 * Least recently used first out. Only readable answers are kept: a blob that could not be read
 * (missing for a moment, or not JSON) is read again next time, and refused again if still so.
 */
export class LineageReadings {
  readonly #kept = new Map<string, string | null>();
  readonly #capacity: number;

  constructor(capacity = defaultCapacity) {
    this.#capacity = capacity;
  }

  /** The kept reading of `digest`; undefined when none is kept. */
  get(digest: string): string | null | undefined {
    const kept = this.#kept.get(digest);
    if (kept === undefined) return undefined;
    this.#kept.delete(digest);
    this.#kept.set(digest, kept);
    return kept;
  }

  remember(digest: string, reading: LineageReading): void {
    if (reading === 'unreadable') return;
    this.#kept.delete(digest);
    this.#kept.set(digest, reading);
    if (this.#kept.size > this.#capacity) {
      const oldest = this.#kept.keys().next().value;
      if (oldest !== undefined) this.#kept.delete(oldest);
    }
  }
}

/** The reading of lineage bytes: `trainedBy` of a JSON object. */
export function readLineageBytes(bytes: Uint8Array): LineageReading {
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (error) {
    // Unparsable bytes: the rule cannot be checked; a bug still surfaces.
    if (error instanceof SyntaxError || error instanceof TypeError) return 'unreadable';
    throw error;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'unreadable';
  const trainer = (value as Record<string, unknown>).trainedBy;
  if (trainer === undefined || trainer === null || trainer === '') return null;
  // A trainer named as anything but text (an array, an object) could never match a person:
  // fail closed, as for a file that cannot be read.
  return typeof trainer === 'string' ? trainer : 'unreadable';
}

/** The reading of the lineage blob `digest`: kept, or read from the blob store (and kept). */
export async function readLineageBlob(
  deps: Pick<AppDeps, 'blobs' | 'lineageReadings'>,
  digest: string,
): Promise<LineageReading> {
  const kept = deps.lineageReadings?.get(digest);
  if (kept !== undefined) return kept;
  let bytes: Uint8Array;
  try {
    bytes = await deps.blobs.get(digest);
  } catch (error) {
    // Missing or altered bytes: the rule cannot be checked; a bug still surfaces.
    if (error instanceof TypeError || isClearanceError(error)) return 'unreadable';
    throw error;
  }
  const reading = readLineageBytes(bytes);
  deps.lineageReadings?.remember(digest, reading);
  return reading;
}

import type { Version } from '../domain/index.js';

/** How many versions one process keeps: a few pages of every busy model, ~10 MB. */
const defaultCapacity = 16_384;

/**
 * Versions already read from committed data, by model and name. A version row never changes
 * (`versions` is append-only: both engines refuse UPDATE and DELETE with triggers), so a list
 * read only needs each version's current state from the database once it has seen the version:
 * fetching, decoding and parsing the immutable columns (artifact, digest, lineage JSON) is most
 * of what a page of versions costs. Only reads of committed data may fill it (the store gives it
 * to read transactions alone): a version a write transaction sees may still be rolled back and
 * registered again with other contents. Kept per process, so several servers need no agreement.
 * Entries are frozen: every reply shares them.
 */
export class CommittedVersions {
  readonly #entries = new Map<string, Version>();

  constructor(readonly capacity = defaultCapacity) {}

  get(model: string, version: string): Version | undefined {
    return this.#entries.get(keyOf(model, version));
  }

  remember(version: Version): Version {
    const key = keyOf(version.model, version.version);
    const known = this.#entries.get(key);
    if (known !== undefined) return known;
    const frozen = deepFreeze(version);
    this.#entries.set(key, frozen);
    // Oldest first: insertion order is the eviction order (no reordering on hits, which would
    // cost a delete and a set per version of every page).
    if (this.#entries.size > this.capacity) {
      const oldest = this.#entries.keys().next().value;
      if (oldest !== undefined) this.#entries.delete(oldest);
    }
    return frozen;
  }

  get size(): number {
    return this.#entries.size;
  }
}

const keyOf = (model: string, version: string) => `${model}\u0000${version}`;

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}

/**
 * The store under the process's read caches (`readCache`, `countedCache`, the principal cache):
 * entries by key in least-recently-used order, bounded by their number and by their approximate
 * bytes. A count alone let a few large values (a version with a megabyte of artifact URI, a page
 * of versions with large lineage) pin hundreds of megabytes (M4).
 */

export interface WeighedLruLimits {
  /** Approximate bytes across entries (`approximateBytes`). */
  maxBytes: number;
  /** Entries; unbounded when absent. */
  maxEntries?: number;
}

export interface WeighedLru<E> {
  /** The entry under `key`, now the most recently used. */
  get(key: string): E | undefined;
  /** The entry under `key`, its recency unchanged. */
  peek(key: string): E | undefined;
  /**
   * Keeps `entry` as the most recently used and drops the least recently used past the limits.
   * An entry heavier than `maxBytes` alone is not kept (and the key's older entry is dropped):
   * it would evict everything and still be over. Answers whether it was kept.
   */
  set(key: string, entry: E, bytes: number): boolean;
  clear(): void;
  stats(): { size: number; bytes: number };
}

export function weighedLru<E>(limits: WeighedLruLimits): WeighedLru<E> {
  const { maxBytes, maxEntries = Number.POSITIVE_INFINITY } = limits;
  const entries = new Map<string, { entry: E; bytes: number }>();
  let total = 0;
  function drop(key: string): void {
    const known = entries.get(key);
    if (known === undefined) return;
    entries.delete(key);
    total -= known.bytes;
  }
  return {
    get(key) {
      const known = entries.get(key);
      if (known === undefined) return undefined;
      entries.delete(key);
      entries.set(key, known);
      return known.entry;
    },
    peek: (key) => entries.get(key)?.entry,
    set(key, entry, bytes) {
      drop(key);
      if (bytes > maxBytes) return false;
      entries.set(key, { entry, bytes });
      total += bytes;
      // Map iteration is insertion order: least recently used first. The new entry fits alone.
      for (const [oldKey] of entries) {
        if (total <= maxBytes && entries.size <= maxEntries) break;
        drop(oldKey);
      }
      return true;
    },
    clear() {
      entries.clear();
      total = 0;
    },
    stats: () => ({ size: entries.size, bytes: total }),
  };
}

/** Structure per object, array, property or element: pointers and headers, roughly. */
const slotBytes = 16;

/**
 * About what `value` holds in memory: each string's length (one byte a character, as V8 keeps
 * Latin-1 text; two for others would be closer, but the text kept is mostly ASCII), 8 per number
 * or boolean, and `slotBytes` per object, property and element. An estimate to bound caches by,
 * not a measurement: it errs low for small objects and is close for the large strings that matter.
 */
export function approximateBytes(value: unknown): number {
  if (typeof value === 'string') return value.length;
  if (value === null || typeof value !== 'object') return 8;
  let bytes = slotBytes;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) bytes += slotBytes + approximateBytes(value[i]);
    return bytes;
  }
  // A Map has no enumerable properties: its entries are what it holds (the MLflow records keep
  // each version's tags in one).
  if (value instanceof Map) {
    for (const [key, item] of value) {
      bytes += slotBytes + approximateBytes(key) + approximateBytes(item);
    }
    return bytes;
  }
  // The own enumerable string keys, as `Object.entries` has them, without an array of pairs per
  // object: weighing a large model's records (thousands of versions) allocated one per object,
  // a seventh of the first MLflow search after a write, with its garbage.
  const record = value as Record<string, unknown>;
  for (const key in record) {
    if (Object.hasOwn(record, key)) bytes += slotBytes + key.length + approximateBytes(record[key]);
  }
  return bytes;
}

/**
 * Gate results kept in memory by the digest of everything the run read (ADR 014): a transition's
 * gates are evaluated before its write transaction, and the transaction, having read the same
 * inputs again under the model's lock, takes the result from here instead of evaluating while it
 * holds the lock. A gate run is a pure function of its input (replay recomputes decisions from
 * the same input and must agree), so a result is reused only for an input identical to the one
 * it was computed from; any difference — new evidence, another baseline, another policy — is
 * another key, and the run is evaluated again.
 */
import { createHash } from 'node:crypto';
import type { GateResult } from '../../domain/index.js';
import type { GateRunInput, GateRunner } from '../shared/ports.js';

export interface GateResultCacheLimits {
  /** Runs kept at most. */
  entries: number;
  /** Approximate bytes (of the results as JSON) kept at most. */
  bytes: number;
}

/** A few thousand small runs, or fewer large ones: a fraction of a worker's heap budget. */
const defaultGateResultCacheLimits: GateResultCacheLimits = {
  entries: 2048,
  bytes: 32 * 1024 * 1024,
};

interface Kept {
  results: GateResult[];
  bytes: number;
}

/**
 * The key of a run: SHA-256 over its whole input — the gates and evaluation set (from the policy
 * version), every candidate and baseline evidence record (path, kind, content digest, size, …)
 * and the bypassed gates (not its priority: how a run waits changes nothing it answers). Two
 * inputs built the same way from the same rows give the same text. A worker pool merges runs in
 * flight by this key.
 */
export function gateRunKey(input: GateRunInput): string {
  const text = JSON.stringify([
    input.gates,
    input.evaluationSet ?? null,
    input.candidate,
    input.baseline ?? null,
    input.bypass,
  ]);
  return createHash('sha256').update(text).digest('hex');
}

/**
 * A run is kept only when it judged every gate: a run stopped by a budget, a worker failure or a
 * shutdown, or one whose evidence could not be read (a blob missing for a moment), is not a
 * verdict on its input, so it is never reused.
 */
function isReusable(results: readonly GateResult[]): boolean {
  return results.every((r) => r.outcome !== 'error');
}

function sizeOf(results: readonly GateResult[]): number {
  try {
    return JSON.stringify(results).length;
  } catch {
    // Details that JSON cannot write (a BigInt) are not expected; count such a run as large.
    return 1024 * 1024;
  }
}

/** Least recently used first out, within a count and a byte bound. */
export class GateResultCache {
  readonly #limits: GateResultCacheLimits;
  readonly #kept = new Map<string, Kept>();
  #bytes = 0;
  #hits = 0;
  #misses = 0;

  constructor(limits: GateResultCacheLimits = defaultGateResultCacheLimits) {
    this.#limits = limits;
  }

  /** A copy of the kept results for `key`, so a caller's changes never reach the cache. */
  get(key: string): GateResult[] | undefined {
    const kept = this.#kept.get(key);
    if (!kept) {
      this.#misses += 1;
      return undefined;
    }
    this.#hits += 1;
    this.#kept.delete(key);
    this.#kept.set(key, kept);
    return structuredClone(kept.results);
  }

  put(key: string, results: readonly GateResult[]): void {
    if (!isReusable(results)) return;
    const bytes = sizeOf(results);
    if (bytes > this.#limits.bytes) return;
    this.#drop(key);
    this.#kept.set(key, { results: structuredClone([...results]), bytes });
    this.#bytes += bytes;
    for (const oldest of this.#kept.keys()) {
      if (this.#kept.size <= this.#limits.entries && this.#bytes <= this.#limits.bytes) break;
      this.#drop(oldest);
    }
  }

  stats(): { entries: number; bytes: number; hits: number; misses: number } {
    return { entries: this.#kept.size, bytes: this.#bytes, hits: this.#hits, misses: this.#misses };
  }

  #drop(key: string): void {
    const kept = this.#kept.get(key);
    if (!kept) return;
    this.#kept.delete(key);
    this.#bytes -= kept.bytes;
  }
}

/** A run evaluated ahead of a transaction: its key and its results, errors included. */
export interface AheadRun {
  key: string;
  results: readonly GateResult[];
}

/**
 * Runs `input` through `runner`, or takes its results from the run evaluated ahead of this
 * transaction (errors included: that attempt's verdict, as if evaluated here) or from `cache`,
 * when the input is the same.
 */
export async function cachedGateRun(
  deps: { gateRunner: GateRunner; gateResults?: GateResultCache | undefined },
  input: GateRunInput,
  ahead?: AheadRun,
): Promise<{ key: string; results: GateResult[] }> {
  const cache = deps.gateResults;
  const key = gateRunKey(input);
  if (ahead?.key === key) return { key, results: structuredClone([...ahead.results]) };
  const kept = cache?.get(key);
  if (kept) return { key, results: kept };
  const results = await deps.gateRunner.run(input);
  cache?.put(key, results);
  return { key, results };
}

import { approximateBytes, type WeighedLruLimits, weighedLru } from '../app/index.js';
import type { AccountState, IdentityDirectory, TokenHolder } from './identity.js';

/** A directory that can say, cheaply, whether anything it holds has changed. */
export interface VersionedDirectory extends IdentityDirectory {
  /**
   * A number the store changes in the transaction of every change to users, role bindings and
   * tokens (the identity epoch): one single-row read. Database triggers move it (migration 0019),
   * so a change written behind the service counts as well.
   */
  epoch(): Promise<number>;
}

/**
 * Tokens kept per process, 10,000 or 8 MiB of holders (a holder carries its role bindings),
 * whichever comes first; past that the least recently used are dropped.
 */
const defaultLimits = { maxEntries: 10_000, maxBytes: 8 * 1024 * 1024 } as const;

/**
 * How long the cache serves what it read before reading it again, whatever the epoch says (ADR
 * 034): an epoch that comes back to a value it had (a restore to an older epoch, then as many
 * changes as it was behind) cannot be told from one that stayed, so equality alone would serve a
 * token no database holds for as long as the server stays idle.
 */
const defaultMaxAgeMs = 60_000;

interface PrincipalCacheOptions {
  /**
   * Longest anything is served from memory before it is read again; default 60 s
   * (`principalCacheMaxAgeSeconds`, at most 600 s, in the configuration).
   */
  maxAgeMs?: number;
  /** Milliseconds now; the wall clock by default. */
  now?: () => number;
}

/** An account as kept: `account` undefined when Clearance stores no such user (OIDC-only). */
interface KeptAccount {
  account: AccountState | undefined;
}

/**
 * `directory` with resolved tokens, and the accounts of OIDC subjects, kept in memory (each up to
 * `limits`), exactly invalidated: each lookup first reads
 * the identity epoch (one statement), and when it differs from the epoch the cache was filled
 * under, the whole cache is dropped. A revoked token, a revoked role, a disabled account or a
 * new grant therefore
 * takes effect for the next request, on this server and on every other server sharing the
 * database, instead of after a time bound. Expiry is not cached away: `authenticate` compares
 * `expiresAt` with the clock on every request. The cache is also dropped once it is
 * `maxAgeMs` old (ADR 034): the one case equality cannot see, an epoch that went back and came
 * forward to the value the cache was filled under (a restore), is bounded by that age.
 *
 * Ordering makes the cache safe under concurrency: the epoch is read before the token, so what a
 * miss reads is at least as new as the epoch it is filed under; and a miss that finishes after
 * the cache was dropped (another request saw a newer epoch, or the age ran out) is not filed.
 */
export function principalCache(
  directory: VersionedDirectory,
  limits: WeighedLruLimits = defaultLimits,
  options: PrincipalCacheOptions = {},
): IdentityDirectory & { stats(): { hits: number; misses: number; size: number; bytes: number } } {
  const { maxAgeMs = defaultMaxAgeMs, now = Date.now } = options;
  const entries = weighedLru<TokenHolder>(limits);
  const accounts = weighedLru<KeptAccount>(limits);
  let filedUnder: number | undefined;
  let filledSince = 0;
  /** Moves on each drop: a miss files its answer only into the cache it began in. */
  let generation = 0;
  let hits = 0;
  let misses = 0;
  /** The cache's generation now, dropped first when the epoch moved or the cache got too old. */
  async function currentGeneration(): Promise<number> {
    const epoch = await directory.epoch();
    const at = now();
    if (epoch !== filedUnder || at - filledSince >= maxAgeMs) {
      entries.clear();
      accounts.clear();
      filedUnder = epoch;
      filledSince = at;
      generation += 1;
    }
    return generation;
  }
  return {
    async findAccount(userId) {
      const began = await currentGeneration();
      const cached = accounts.get(userId);
      if (cached !== undefined) {
        hits += 1;
        return cached.account;
      }
      misses += 1;
      const kept: KeptAccount = { account: await directory.findAccount(userId) };
      // Only verified OIDC subjects are looked up, so users not stored are kept too: a subject
      // signing in with the identity provider's roles alone costs no read per request.
      if (generation === began) accounts.set(userId, kept, approximateBytes(kept) + userId.length);
      return kept.account;
    },
    async findToken(id) {
      const began = await currentGeneration();
      const cached = entries.get(id);
      if (cached !== undefined) {
        hits += 1;
        return cached;
      }
      misses += 1;
      const found = await directory.findToken(id);
      // Unknown ids are not kept: a stream of made-up ids must not evict real callers.
      if (found !== undefined && generation === began) {
        entries.set(id, found, approximateBytes(found));
      }
      return found;
    },
    stats: () => ({ hits, misses, ...entries.stats() }),
  };
}

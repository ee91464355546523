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
 * `expiresAt` with the clock on every request.
 *
 * Ordering makes the cache safe under concurrency: the epoch is read before the token, so what a
 * miss reads is at least as new as the epoch it is filed under; and a miss that finishes after
 * another request saw a newer epoch is not filed at all.
 */
export function principalCache(
  directory: VersionedDirectory,
  limits: WeighedLruLimits = defaultLimits,
): IdentityDirectory & { stats(): { hits: number; misses: number; size: number; bytes: number } } {
  const entries = weighedLru<TokenHolder>(limits);
  const accounts = weighedLru<KeptAccount>(limits);
  let filedUnder: number | undefined;
  let hits = 0;
  let misses = 0;
  /** The epoch now, everything filed under an older one dropped first. */
  async function currentEpoch(): Promise<number> {
    const epoch = await directory.epoch();
    if (epoch !== filedUnder) {
      entries.clear();
      accounts.clear();
      filedUnder = epoch;
    }
    return epoch;
  }
  return {
    async findAccount(userId) {
      const epoch = await currentEpoch();
      const cached = accounts.get(userId);
      if (cached !== undefined) {
        hits += 1;
        return cached.account;
      }
      misses += 1;
      const kept: KeptAccount = { account: await directory.findAccount(userId) };
      // Only verified OIDC subjects are looked up, so users not stored are kept too: a subject
      // signing in with the identity provider's roles alone costs no read per request.
      if (filedUnder === epoch) accounts.set(userId, kept, approximateBytes(kept) + userId.length);
      return kept.account;
    },
    async findToken(id) {
      const epoch = await currentEpoch();
      const cached = entries.get(id);
      if (cached !== undefined) {
        hits += 1;
        return cached;
      }
      misses += 1;
      const found = await directory.findToken(id);
      // Unknown ids are not kept: a stream of made-up ids must not evict real callers.
      if (found !== undefined && filedUnder === epoch) {
        entries.set(id, found, approximateBytes(found));
      }
      return found;
    },
    stats: () => ({ hits, misses, ...entries.stats() }),
  };
}

import type { Store } from '../app/index.js';
import {
  type AccountState,
  type IdentityDirectory,
  principalCache,
  type TokenHolder,
  type VersionedDirectory,
} from '../auth/index.js';
import type { Config } from '../config.js';
import { nextReadShared } from '../store/index.js';

/**
 * The identity directory of the configuration: the store's, kept in the principal cache for
 * `principalCacheMaxAgeSeconds` (ADR 034), or read on every request when that is 0 (no cache,
 * so no epoch read either). `now` is the cache's clock in milliseconds, the wall clock by default.
 */
export function identityDirectoryOf(
  config: Pick<Config, 'principalCacheMaxAgeSeconds'>,
  store: Store,
  now?: () => number,
): IdentityDirectory {
  const directory = storeDirectory(store);
  if (config.principalCacheMaxAgeSeconds === 0) return directory;
  const maxAgeMs = config.principalCacheMaxAgeSeconds * 1000;
  return principalCache(directory, undefined, { maxAgeMs, ...(now ? { now } : {}) });
}

/**
 * The identity directory `authenticate` reads: an API token and its user's role bindings from one
 * read-only snapshot, and the identity epoch that `principalCache` checks on every request: one
 * statement, skipped while the store's data version says nothing was committed since the last
 * one (no commit, no change of epoch; on PostgreSQL the data version is itself one statement, but
 * one shared by every call of the same turn of the event loop: the requests that arrived together).
 * The epoch read is shared the same way: under writes the data version moves with every commit,
 * and the requests a commit answered come back together and would each read the epoch. Where the
 * data version is itself a statement (PostgreSQL) that statement reads the epoch too (ADR 029).
 */
export function storeDirectory(store: Store): VersionedDirectory {
  let known: { version: number; epoch: number } | undefined;
  const readEpoch = nextReadShared(() => store.readOne((tx) => tx.identity.epoch()));
  return {
    findToken: (id) =>
      store.read(async (tx): Promise<TokenHolder | undefined> => {
        const token = await tx.identity.getToken(id);
        if (token === undefined) return undefined;
        const user = await tx.identity.getUser(token.userId);
        return {
          hashedSecret: token.hashedSecret,
          userId: token.userId,
          ...(token.expiresAt === undefined ? {} : { expiresAt: token.expiresAt }),
          ...(token.revokedAt === undefined ? {} : { revokedAt: token.revokedAt }),
          ...(user?.disabledAt === undefined ? {} : { disabledAt: user.disabledAt }),
          roles: await tx.identity.rolesOf(token.userId),
        };
      }),
    findAccount: (userId) =>
      store.readOne(async (tx): Promise<AccountState | undefined> => {
        const user = await tx.identity.getUser(userId);
        if (user === undefined) return undefined;
        return user.disabledAt === undefined ? {} : { disabledAt: user.disabledAt };
      }),
    epoch: async () => {
      // Where the data version is a statement, the epoch comes with it: one read, one snapshot.
      if (store.dataVersionWithEpoch !== undefined) {
        const both = await store.dataVersionWithEpoch();
        if (both !== undefined) return both.epoch;
      }
      // Read first: the epoch read after it is at least as new as what it is filed under.
      const version = await store.dataVersion();
      if (version !== undefined && known?.version === version) return known.epoch;
      const epoch = await readEpoch();
      if (version !== undefined) known = { version, epoch };
      return epoch;
    },
  };
}

/**
 * Claims an `Idempotency-Key` in the same transaction as the action it guards. The use cases know
 * nothing of HTTP; what they do share is the rule that every state change writes its audit entry
 * in its own transaction. So a request with a key runs its use case over a store of its own
 * (`claimingStore`, bound per request: no async context), whose first audit entry of an acting
 * transaction also claims the key. The action and its claim then commit together or
 * not at all, which closes both gaps of a record written after the fact:
 * - a crash between the commit and the recorded response leaves the claim, so a retry is told the
 *   request already acted instead of acting again;
 * - two servers given the same key at the same instant both try to claim it; the database lets
 *   one win, and the other's transaction (action included) rolls back.
 * Entries recording a refusal or an evaluation (`notActing`) do not claim: a refusal is not the
 * action.
 */
import type { IdempotentRequest } from './idempotency-store.js';
import type { AuditRepository, Clock, Repositories, Store, VersionRepository } from './ports.js';

/** One request's claim, as its handler runs. */
export interface ClaimScope {
  request: IdempotentRequest;
  /** Set once a transaction holding the claim has committed. */
  claimed: boolean;
}

/** Thrown inside the acting transaction when another request holds the key: rolls it back. */
export class IdempotencyKeyTaken extends Error {
  constructor(readonly key: string) {
    super(`Idempotency-Key ${key} is held by another request.`);
    this.name = 'IdempotencyKeyTaken';
  }
}

/** Each claiming store's request, clock and retention, so work ahead of its transaction can ask. */
const claimingStores = new WeakMap<
  Store,
  { scope: ClaimScope; clock: Clock; retentionMs: number }
>();

/**
 * Throws `IdempotencyKeyTaken` when the running request's key is already claimed by another
 * request that acted (within the retention), so work done ahead of the acting transaction (gates
 * evaluated ahead, ADR 014) is skipped and the HTTP edge answers with the kept reply. On a store
 * that does not claim (no key, the CLI, use-case tests), it does nothing.
 */
export async function assertKeyUnclaimed(store: Store, tx: Repositories): Promise<void> {
  const claiming = claimingStores.get(store);
  if (claiming === undefined || claiming.scope.claimed) return;
  const { scope, clock, retentionMs } = claiming;
  const record = await tx.idempotency.get(scope.request.key, scope.request.principalId);
  const cutoff = new Date(clock.now().getTime() - retentionMs).toISOString();
  if (record !== undefined && record.createdAt >= cutoff) {
    throw new IdempotencyKeyTaken(scope.request.key);
  }
}

/**
 * The store one request with a key runs its use case on, when keys are shared through the
 * database: the first acting audit entry of its transactions claims the key, in the same
 * transaction (ADR 005).
 */
export function claimingStore(
  store: Store,
  scope: ClaimScope,
  options: { clock: Clock; retentionMs: number },
): Store {
  const claiming = claimingStoreOver(store, scope, options);
  claimingStores.set(claiming, { scope, ...options });
  return claiming;
}

function claimingStoreOver(
  store: Store,
  scope: ClaimScope,
  options: { clock: Clock; retentionMs: number },
): Store {
  return {
    async transaction(work, writeScope) {
      if (scope.claimed) return store.transaction(work, writeScope);
      let claimedHere = false;
      const result = await store.transaction((tx) => {
        // Reset per attempt: a dialect may run `work` again after a serialisation failure.
        claimedHere = false;
        // One claim per attempt, shared: a use case may ask for two acting entries together
        // (ADR 049), and the second must not claim again (its insert would find the key its own
        // transaction had just taken, and refuse).
        let claiming: Promise<void> | undefined;
        const claim = () => {
          claiming ??= claimKey();
          return claiming;
        };
        const claimKey = async () => {
          const now = options.clock.now().getTime();
          const taken = await tx.idempotency.claim(
            {
              key: scope.request.key,
              principalId: scope.request.principalId,
              requestHash: scope.request.fingerprint,
              createdAt: new Date(now).toISOString(),
            },
            new Date(now - options.retentionMs).toISOString(),
          );
          if (!taken) throw new IdempotencyKeyTaken(scope.request.key);
          claimedHere = true;
        };
        return work(withClaimingAudit(tx, claim));
      }, writeScope);
      if (claimedHere) scope.claimed = true;
      return result;
    },
    // Reads never act, so they never claim.
    read: (work) => store.read(work),
    readOne: (work) => store.readOne(work),
    readAhead: (work) => store.readAhead(work),
    dataVersion: () => store.dataVersion(),
    ...(store.dataVersionWithEpoch === undefined
      ? {}
      : { dataVersionWithEpoch: store.dataVersionWithEpoch.bind(store) }),
    ...(store.watchJobs === undefined ? {} : { watchJobs: store.watchJobs.bind(store) }),
    ...(store.writesSideBySide === undefined ? {} : { writesSideBySide: store.writesSideBySide }),
    close: () => store.close(),
  };
}

/**
 * Entries that record a refusal or an evaluation, not an action: a request that only writes these
 * did not act, so its key stays free for a retry once the cause is fixed (say, the last approval
 * arrived). Every action writes an entry of its own beside them (`transition.executed`, …).
 */
const notActing = new Set([
  'access.denied',
  'gate.evaluated',
  'transition.blocked',
  'transition.conflict',
]);

/**
 * `tx` whose acting entries first claim the key. Entries reach the log in the order they were
 * asked for, as they do without a key (ADR 049: two asked for together are appended in that
 * order): each is handed on only after the one asked for before it, so an entry that needs no
 * claim does not overtake an acting one waiting for its claim. Handing on waits for no answer.
 */
function withClaimingAudit(tx: Repositories, claim: () => Promise<void>): Repositories {
  let handed: Promise<unknown> = Promise.resolve();
  function inOrder<T>(action: string, append: () => Promise<T>): Promise<T> {
    const previous = handed;
    const ready = (async () => {
      await previous;
      if (!notActing.has(action)) await claim();
    })();
    handed = ready.catch(() => undefined);
    return ready.then(append);
  }
  const audit: AuditRepository = {
    ...tx.audit,
    append: (entry) => inOrder(entry.action, () => tx.audit.append(entry)),
  };
  // A version's entry can be appended by the version repository, in one statement with it.
  const versions: VersionRepository = {
    ...tx.versions,
    insertLogged: (version, initialState, entry) =>
      inOrder(entry.action, () => tx.versions.insertLogged(version, initialState, entry)),
  };
  return { ...tx, audit, versions };
}

import type { AuditEntryInput, Repositories, Store } from '../../src/app/shared/ports.js';
import type { AuditEntry } from '../../src/audit/index.js';

/** A real Store whose audit log can be made to refuse writes; see {@link failingAuditStore}. */
export interface FailingAuditStore extends Store {
  /** Lets the next `n` audit appends through, then fails every later one until `heal()`. */
  failAfter(n: number): void;
  heal(): void;
  /** Appends let through since the last `failAfter` (or since the store was wrapped). */
  readonly appended: number;
}

export const auditFailure = 'audit log unavailable';

/**
 * Wraps any Store — the fake or a real engine — so the repositories handed to a use case append
 * audit entries through the real repository until the budget is spent, then throw. The throw
 * happens inside the real transaction, as a full disk or a lost connection would, so what the
 * engine rolls back is what a test observes afterwards.
 */
export function failingAuditStore(store: Store): FailingAuditStore {
  let budget = Number.POSITIVE_INFINITY;
  let appended = 0;
  const failing = (tx: Repositories): Repositories => ({
    ...tx,
    audit: {
      ...tx.audit,
      // Counted when asked for, not when answered: a use case may ask for two appends together
      // (ADR 049), and the budget is spent in the order they were asked for.
      append: async (entry: AuditEntryInput): Promise<AuditEntry> => {
        if (appended >= budget) throw new Error(auditFailure);
        appended += 1;
        return tx.audit.append(entry);
      },
    },
    versions: {
      ...tx.versions,
      // A create writes its entry with the version (ADR 026): the same budget applies to it.
      insertLogged: async (version, state, entry) => {
        if (appended >= budget) throw new Error(auditFailure);
        appended += 1;
        return tx.versions.insertLogged(version, state, entry);
      },
    },
  });
  return {
    get appended() {
      return appended;
    },
    failAfter(n) {
      budget = n;
      appended = 0;
    },
    heal() {
      budget = Number.POSITIVE_INFINITY;
    },
    transaction: (work, scope) => store.transaction((tx) => work(failing(tx)), scope),
    read: (work) => store.read(work),
    readOne: (work) => store.readOne(work),
    readAhead: (work) => store.readAhead(work),
    dataVersion: () => store.dataVersion(),
    close: () => store.close(),
  };
}

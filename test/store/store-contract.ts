/**
 * The repository contract every Store passes: SQLite, PostgreSQL and the in-memory fake.
 * Call inside a describe block; `openStore` may return a new or a shared Store per call.
 */
import { beforeAll } from 'vitest';
import type { Store } from '../../src/app/shared/ports.js';
import { auditContract } from './store-contract-audit.js';
import { idempotencyContract } from './store-contract-idempotency.js';
import { identityContract } from './store-contract-identity.js';
import { metadataContract } from './store-contract-metadata.js';
import { readContract } from './store-contract-reads.js';
import { registryContract } from './store-contract-registry.js';
import { rolloutContract } from './store-contract-rollouts.js';
import { workQueueContract } from './store-contract-work-queue.js';

export function storeContract(openStore: () => Promise<Store>): void {
  const context: { store?: Store } = {};
  const store = (): Store => {
    if (context.store === undefined) throw new Error('store not opened');
    return context.store;
  };
  beforeAll(async () => {
    context.store = await openStore();
  });
  registryContract(store);
  auditContract(store);
  identityContract(store);
  idempotencyContract(store);
  readContract(store);
  workQueueContract(store);
  rolloutContract(store);
  metadataContract(store);
}

/** The error a rejected promise carries, for asserting codes and messages. */
export async function errorOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the promise to reject');
}

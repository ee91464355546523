import { describe } from 'vitest';
import { createInMemoryStore } from '../fakes/in-memory-store.js';
import { eachEngine } from './engines.js';
import { storeContract } from './store-contract.js';

eachEngine('store contract', (engine) => {
  storeContract(() => engine.openStore());
});

// The in-memory fake the use-case suites run on passes the same contract, whatever
// CLEARANCE_TEST_STORES lists.
describe('store contract [in-memory fake]', () => {
  storeContract(async () => createInMemoryStore());
});

import { existsSync } from 'node:fs';
import { describe } from 'vitest';
import type { Store } from '../../src/app/shared/ports.js';
import { eachEngine } from './engines.js';
import { storeContract } from './store-contract.js';

eachEngine('store contract', (engine) => {
  storeContract(() => engine.openStore());
});

// The in-memory fake (test/fakes/in-memory-store.ts) passes the same contract once it exists.
const fakeUrl = new URL('../fakes/in-memory-store.ts', import.meta.url);
if (existsSync(fakeUrl)) {
  const fake = (await import(/* @vite-ignore */ fakeUrl.href)) as {
    createInMemoryStore?: () => Store;
  };
  const create = fake.createInMemoryStore;
  if (create !== undefined) {
    describe('store contract [in-memory fake]', () => {
      storeContract(async () => create());
    });
  }
}

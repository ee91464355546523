import type { BlobStore, Clock, GateRunner, IdGenerator, Store, TokenIssuer } from './ports.js';

/** Everything a use case needs from outside; `compose.ts` builds it, tests pass fakes. */
export interface AppDeps {
  store: Store;
  blobs: BlobStore;
  /** Evaluates gate runs (the server: worker threads with a time and memory budget). */
  gateRunner: GateRunner;
  clock: Clock;
  ids: IdGenerator;
  tokens: TokenIssuer;
}

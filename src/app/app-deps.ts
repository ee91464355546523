import type {
  BlobStore,
  Clock,
  EvidenceBundleLoader,
  IdGenerator,
  Store,
  TokenIssuer,
} from './ports.js';

/** Everything a use case needs from outside; `compose.ts` builds it, tests pass fakes. */
export interface AppDeps {
  store: Store;
  blobs: BlobStore;
  evidenceLoader: EvidenceBundleLoader;
  clock: Clock;
  ids: IdGenerator;
  tokens: TokenIssuer;
}

import type { AppDeps, AuditSigner, NotificationSettings, Store } from '../app/index.js';
import type { IdentityDirectory } from '../auth/index.js';
import type { Config } from '../config.js';
import type { GateWorkerPool } from '../gate-runs/index.js';

export interface Registry {
  config: Config;
  store: Store;
  /** The use cases' dependencies; gate runs go to a worker pool (closed with the registry). */
  deps: AppDeps & { gateRunner: GateWorkerPool; notifications: NotificationSettings };
  /** Tokens and role bindings from the store, for `authenticate`. */
  directory: IdentityDirectory;
  /** Signs audit checkpoints as `clearance/<install-id>` (see `loadAuditSigner`). */
  auditSigner: AuditSigner;
  /** The C2SP verifier key of `auditSigner`, for auditors and `audit verify`. */
  verifierKey: string;
  close(): Promise<void>;
}

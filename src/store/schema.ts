/**
 * Kysely's view of the tables (snake_case, as migrated). Instants read back as `Date` from
 * PostgreSQL `timestamptz` and as RFC 3339 text from SQLite; `columns.ts` converts at the edge.
 * 64-bit integers read back as strings from pg, so they are converted there too.
 */
import type { ColumnType } from 'kysely';

type Instant = ColumnType<Date | string, string, string>;
type OptionalInstant = ColumnType<Date | string | null, string | null, string | null>;
type BigInt64 = ColumnType<number | string, number, number>;

export interface PoliciesTable {
  digest: string;
  name: string;
  text: string;
  registered_at: Instant;
  registered_by: string;
}

export interface ModelsTable {
  name: string;
  owner_team: string;
  risk_tier: string;
  policy_digest: string;
  description: string | null;
  created_at: Instant;
  created_by: string;
}

export interface VersionsTable {
  model: string;
  version: string;
  artifact_uri: string;
  artifact_digest: string;
  /** Canonical JSON of the lineage. */
  lineage: string;
  created_at: Instant;
  created_by: string;
}

export interface VersionStatesTable {
  model: string;
  version: string;
  state: string;
  request_id: string | null;
  since: Instant;
}

/** Kept by triggers on `versions` and `version_states` (migration 0017); no row means 0. */
export interface VersionChangesTable {
  model: string;
  /** 64-bit on PostgreSQL since 0030 (pg answers it as text); read through `Number`. */
  changes: BigInt64;
}

export interface EvidenceTable {
  model: string;
  version: string;
  path: string;
  kind: string;
  digest: string;
  size: BigInt64;
  media_type: string;
  attached_at: Instant;
  attached_by: string;
}

export interface TransitionRequestsTable {
  id: string;
  model: string;
  version: string;
  from_state: string;
  to_state: string;
  change_type: string;
  reason: string;
  ticket: string | null;
  requested_by: string;
  requested_at: Instant;
  status: string;
  policy_digest: string;
  evidence_digest: string;
  decision_id: string | null;
  closed_at: OptionalInstant;
  closed_by: string | null;
  close_reason: string | null;
  bypass_expires_at: OptionalInstant;
  review_due_at: OptionalInstant;
}

export interface ApprovalsTable {
  id: string;
  request_id: string;
  approver: string;
  role: string;
  decision: string;
  comment: string;
  ticket: string | null;
  risk_class: string;
  evidence_digest: string;
  policy_digest: string;
  /** The baseline's evidence digest, `none`, or NULL on rows from before migration 0007. */
  baseline_digest: string | null;
  at: Instant;
}

export interface DecisionsTable {
  id: string;
  kind: string;
  request_id: string | null;
  model: string;
  version: string;
  outcome: string;
  policy_digest: string;
  evidence_digest: string;
  at: Instant;
  /** Canonical JSON of the whole DecisionRecord: what replay reads. */
  payload: string;
}

export interface ServingTable {
  model: string;
  production_version: string | null;
  production_since: OptionalInstant;
  canary_version: string | null;
  canary_traffic: number | null;
  canary_since: OptionalInstant;
  rollback_target_version: string | null;
}

export interface AuditEntriesTable {
  seq: BigInt64;
  /** RFC 8785 canonical JSON of the entry: the exact leaf input. */
  entry: string;
  /** Lowercase hex of SHA-256(0x00 ‖ entry). */
  leaf_hash: string;
  time: Instant;
  action: string;
  subject_type: string;
  subject_id: string;
  actor_id: string;
}

/** Which model each audit entry is about (`entryModel`), for filtering the log by model. */
export interface AuditEntryModelsTable {
  model: string;
  seq: BigInt64;
}

export interface AuditHeadTable {
  id: number;
  size: BigInt64;
}

/** A perfect subtree of the log's Merkle tree above the leaves (migration 0005). */
export interface AuditTreeNodesTable {
  level: number;
  idx: BigInt64;
  /** Lowercase hex of the subtree's RFC 9162 hash. */
  hash: string;
}

export interface AuditCheckpointsTable {
  size: BigInt64;
  root_hash: string;
  note: string;
  created_at: Instant;
}

export interface UsersTable {
  id: string;
  /** NOT NULL since 0001: '' means the user has no display name. */
  display_name: string;
  email: string | null;
  created_at: Instant;
  disabled_at: OptionalInstant;
  /** Added by 0003. */
  team: string | null;
  created_by: ColumnType<string, string | undefined, string>;
}

export interface RoleBindingsTable {
  id: string;
  user_id: string;
  role: string;
  model: string | null;
  created_at: Instant;
  created_by: string;
}

export interface ApiTokensTable {
  id: string;
  user_id: string;
  /** The token's description. */
  name: string;
  /** SHA-256 of the secret, hex; the secret itself is never stored. */
  secret_hash: string;
  created_at: Instant;
  expires_at: OptionalInstant;
  revoked_at: OptionalInstant;
  /** Added by 0003. */
  created_by: ColumnType<string, string | undefined, string>;
  revoked_by: string | null;
}

/** Added by 0012: one row (id 1), bumped by every identity change. */
export interface IdentityEpochTable {
  id: number;
  epoch: BigInt64;
}

/** Added by 0004; not append-only (purged after the retention). */
export interface BlobUploadsTable {
  id: string;
  principal_id: string;
  digest: string;
  size: BigInt64;
  uploaded_at: Instant;
  /**
   * Added by 0031: the user's files and bytes through this row, in recording order (ADR 052);
   * null on a row a server of an earlier release recorded.
   */
  running_files: BigInt64 | null;
  running_bytes: BigInt64 | null;
}

export interface IdempotencyKeysTable {
  principal_id: string;
  key: string;
  request_hash: string;
  status: number;
  content_type: string;
  body: string;
  location: string | null;
  created_at: Instant;
}

export interface OutboxTable {
  id: string;
  type: string;
  /** Canonical JSON of the event document. */
  payload: string;
  created_at: Instant;
}

type Count = ColumnType<number | string, number | undefined, number>;

export interface JobsTable {
  id: string;
  kind: string;
  key: string;
  /** Canonical JSON. */
  payload: string;
  run_at: Instant;
  scheduled_at: Instant;
  every_ms: ColumnType<number | string | null, number | null, number | null>;
  attempts: Count;
  max_attempts: number;
  locked_by: string | null;
  locked_until: OptionalInstant;
  last_error: string | null;
  outcome: string | null;
  done_at: OptionalInstant;
  created_at: Instant;
}

export interface DeliveriesTable {
  event_id: string;
  target: string;
  status: string;
  attempts: Count;
  next_attempt_at: OptionalInstant;
  last_status_code: number | null;
  last_error: string | null;
  first_attempt_at: OptionalInstant;
  last_attempt_at: OptionalInstant;
  last_duration_ms: number | null;
  delivered_at: OptionalInstant;
  created_at: Instant;
}

/** Added by 0011. */
export interface WebhookSubscriptionsTable {
  id: string;
  url: string;
  description: string | null;
  /** `"*"` or a JSON array of event types. */
  events: string;
  /** JSON array of model name patterns; NULL = every model. */
  models: string | null;
  /** JSON array of `{ secret, createdAt, expiresAt? }`, newest first. */
  secrets: string;
  enabled: number;
  disabled_at: OptionalInstant;
  disabled_reason: string | null;
  consecutive_failures: Count;
  created_at: Instant;
  created_by: string;
  updated_at: Instant;
}

/** Added by 0011: one row per delivery attempt. */
export interface DeliveryAttemptsTable {
  event_id: string;
  target: string;
  attempt: number;
  at: Instant;
  outcome: string;
  status_code: number | null;
  error: string | null;
  duration_ms: number;
  next_attempt_at: OptionalInstant;
}

export interface Database {
  policies: PoliciesTable;
  models: ModelsTable;
  versions: VersionsTable;
  version_states: VersionStatesTable;
  version_changes: VersionChangesTable;
  evidence: EvidenceTable;
  transition_requests: TransitionRequestsTable;
  approvals: ApprovalsTable;
  decisions: DecisionsTable;
  serving: ServingTable;
  audit_entries: AuditEntriesTable;
  audit_entry_models: AuditEntryModelsTable;
  audit_head: AuditHeadTable;
  audit_tree_nodes: AuditTreeNodesTable;
  audit_checkpoints: AuditCheckpointsTable;
  users: UsersTable;
  role_bindings: RoleBindingsTable;
  api_tokens: ApiTokensTable;
  identity_epoch: IdentityEpochTable;
  idempotency_keys: IdempotencyKeysTable;
  blob_uploads: BlobUploadsTable;
  outbox: OutboxTable;
  jobs: JobsTable;
  deliveries: DeliveriesTable;
  webhook_subscriptions: WebhookSubscriptionsTable;
  delivery_attempts: DeliveryAttemptsTable;
  rollouts: RolloutsTable;
  rollout_observations: RolloutObservationsTable;
  model_tags: ModelTagsTable;
  version_tags: VersionTagsTable;
  model_aliases: ModelAliasesTable;
  version_descriptions: VersionDescriptionsTable;
}

/** Added by 0010: a canary rollout; `spec`, `state` and `baselines` are canonical JSON. */
export interface RolloutsTable {
  id: string;
  model: string;
  version: string;
  control_version: string | null;
  request_id: string;
  from_state: string;
  policy_digest: string;
  spec: string;
  state: string;
  baselines: string;
  status: string;
  started_at: Instant;
  started_by: string;
  updated_at: Instant;
}

/** Added by 0010: one posted KPI batch; `points` is canonical JSON of its points. */
export interface RolloutObservationsTable {
  rollout_id: string;
  batch_id: string;
  digest: string;
  points: string;
  point_count: number;
  received_at: Instant;
}

/** Tables whose rows never change once written; both engines enforce it with triggers. */
export const appendOnlyTables = [
  'audit_entries',
  'audit_checkpoints',
  'versions',
  'evidence',
  'policies',
  'approvals',
  'decisions',
] as const;

/** How SQLite's guard against `INSERT OR REPLACE` finds a held row (migration 0024). */
export interface AppendOnlyKey {
  /** The primary key; none of these tables has another unique constraint to REPLACE through. */
  key: readonly string[];
  /**
   * Columns derived from other rows (a tree node's hash): an honest writer brings the held
   * value again, so an INSERT of a held key with the same values is let through to its
   * `ON CONFLICT DO NOTHING`, and only a different value is refused.
   */
  derived?: readonly string[];
}

/** Every table the append-only triggers guard: `appendOnlyTables` and `audit_tree_nodes` (0005). */
export const appendOnlyKeys: Readonly<Record<string, AppendOnlyKey>> = {
  audit_entries: { key: ['seq'] },
  audit_checkpoints: { key: ['size'] },
  versions: { key: ['model', 'version'] },
  evidence: { key: ['model', 'version', 'path'] },
  policies: { key: ['digest'] },
  approvals: { key: ['id'] },
  decisions: { key: ['id'] },
  audit_tree_nodes: { key: ['level', 'idx'], derived: ['hash'] },
};

/** Added by 0013: MLflow tags set on a model after its registration. */
export interface ModelTagsTable {
  model: string;
  key: string;
  value: string;
  updated_at: Instant;
}

/** Added by 0013: a version's tag set or (null value) deleted after registration. */
export interface VersionTagsTable {
  model: string;
  version: string;
  key: string;
  value: string | null;
  updated_at: Instant;
}

/** Added by 0013: a plain (non-governed) MLflow alias. */
export interface ModelAliasesTable {
  model: string;
  alias: string;
  version: string;
  updated_at: Instant;
}

/** Added by 0013: a version's description as last updated. */
export interface VersionDescriptionsTable {
  model: string;
  version: string;
  description: string;
  updated_at: Instant;
}

import type { WebhookSubscriptionRepository } from './notification-ports.js';
import type { RolloutRepository } from './rollout-ports.js';
import type { DeliveryRepository, JobRepository, OutboxRepository } from './work-queue-ports.js';
/**
 * Ports: what the use cases need from the outside world, in domain types only. `store/`
 * implements Store with Kysely on SQLite and PostgreSQL; `test/` has an in-memory fake that
 * passes the same contract suite.
 */

import type {
  AuditEntry,
  LoggedAuditEntry,
  NoteSigner,
  StoredAuditPage,
  StoredAuditRow,
  TreeNodeId,
} from '../../audit/index.js';
import type {
  ApiTokenRecord,
  Approval,
  DecisionRecord,
  EvaluationSetSpec,
  EvidenceRecord,
  GateResult,
  GateSpec,
  Model,
  PolicyRecord,
  RequestStatus,
  RoleBinding,
  RoleGrant,
  ServingView,
  TransitionRequest,
  User,
  Version,
  VersionState,
  VersionView,
} from '../../domain/index.js';

/** An audit entry before the store gives it its sequence number. */
export type AuditEntryInput = Omit<AuditEntry, 'seq'>;

export interface Clock {
  now(): Date;
}

export interface IdGenerator {
  /** A new unique, URL-safe id (e.g. a UUIDv7), sortable by creation time. */
  next(): string;
}

/**
 * Content-addressed bytes (a directory on disk, or an S3-compatible bucket): the location is
 * derived from the digest. Every read checks the bytes still hash to it and refuses them if not.
 */
export interface BlobStore {
  put(bytes: Uint8Array): Promise<{ digest: string; size: number }>;
  get(digest: string): Promise<Uint8Array>;
  /**
   * Streams the blob into a new file at `path` (refused if the file exists) without holding it
   * whole in memory; a blob that no longer hashes to `digest` is removed again and refused.
   */
  writeTo(digest: string, path: string): Promise<void>;
  /**
   * The blob as a stream of chunks, never held whole in memory: resolves once the blob is found
   * (`not_found`, `invalid_input` otherwise) with its stored size. The chunks are checked as they
   * pass; a blob that no longer hashes to `digest` fails the iteration with `invalid_evidence`
   * before its last chunk, so no consumer gets all of it or sees it end. Stopping the iteration
   * early (`return()`, also before the first chunk) releases the file or connection.
   */
  stream(digest: string): Promise<BlobStream>;
  has(digest: string): Promise<boolean>;
  /** Every stored blob, in no particular order (blob collection walks it). */
  list(): AsyncIterable<{ digest: string; size: number }>;
  /**
   * Takes the blob out of reach (`get` and `has` no longer find it) without deleting it yet;
   * undefined when it is not there (another collector took it). A `put` meanwhile stores it anew.
   */
  withdraw(digest: string): Promise<WithdrawnBlob | undefined>;
  /** Puts back every blob a collector withdrew and never settled (it stopped); returns how many. */
  restoreWithdrawn(): Promise<number>;
  /**
   * Removes what interrupted writes left behind (a process killed between writing a blob's
   * temporary file and renaming it into place) that was last changed before `before`, never a
   * blob; with `dryRun`, only counts it. A store whose writes leave nothing partial (an S3
   * PutObject is all or nothing) finds none.
   */
  removeAbandonedWrites(input: { before: Date; dryRun: boolean }): Promise<AbandonedWrites>;
}

/** Partial files of interrupted writes: how many, and their bytes. */
export interface AbandonedWrites {
  files: number;
  bytes: number;
}

interface BlobStream {
  size: number;
  chunks: AsyncIterable<Uint8Array>;
}

export interface WithdrawnBlob {
  size: number;
  /** Back where it was (a blob stored again meanwhile is kept). */
  restore(): Promise<void>;
  /** Gone for good. */
  discard(): Promise<void>;
}

/** One gate run: a transition's gates on a version's stored evidence, against a baseline's. */
export interface GateRunInput {
  gates: readonly GateSpec[];
  evaluationSet?: EvaluationSetSpec | undefined;
  /** The candidate version's stored evidence. */
  candidate: readonly EvidenceRecord[];
  /** The production (baseline) version's stored evidence, when there is one. */
  baseline?: readonly EvidenceRecord[] | undefined;
  /** Gates an emergency change bypasses: still evaluated, marked `bypassed`. */
  bypass: readonly string[];
  /**
   * How the run waits for a worker; not part of what it evaluates (`governed` when absent).
   * `governed` runs (requests, executions, emergency expiry) go before `advisory` ones (replay,
   * backtest, dry run), and each kind has its own queue bound (ADR 035).
   */
  priority?: GateRunPriority | undefined;
}

/** Runs that decide a transition, and runs that only report (ADR 035). */
export type GateRunPriority = 'governed' | 'advisory';

/**
 * Reads stored evidence and evaluates a run's gates. Whatever the evidence holds, it answers one
 * result per gate and never throws on its account: unreadable evidence is an `error` of the gates
 * that needed it (a broken baseline, of the gates that compare with it), and a run over its time
 * or memory budget is an `error` of every gate of the run, naming the budget. A runner whose
 * queue for the run's priority is full refuses it (`busy`) before reading anything.
 */
export interface GateRunner {
  run(input: GateRunInput): Promise<GateResult[]>;
}

/** How a gate run ended: judged, or stopped (over a budget, its worker failed, shutdown). */
export type GateRunEnd =
  | 'completed'
  | 'over_time_budget'
  | 'over_memory_budget'
  | 'worker_failed'
  | 'worker_not_started'
  | 'cancelled';

/**
 * What this process's write path has done since the store opened, for `/metrics` (ADR 050): how
 * many writes it ran and in how many database transactions (group commit, ADRs 012 and 017), how
 * long a write transaction was running, and how long writes waited for theirs. All counters.
 */
export interface WritePathStats {
  /** Writes that committed. */
  committed: number;
  /** Writes that failed: their own error, or their batch's transaction failed. */
  failed: number;
  /** Writes that waited past the limit for a transaction and were not run (`WriteWaitExceeded`). */
  waitExceeded: number;
  /** Database transactions the writes ran in: `committed + failed` over this is the batch size. */
  transactions: number;
  /**
   * Seconds during which a write transaction of this process was running (one runs at a time):
   * its rate near 1 means the write path is saturated, and writes queue.
   */
  busySeconds: number;
  /** Seconds the writes waited, summed, from being asked for to their transaction starting. */
  waitSeconds: number;
  /**
   * Writes run side by side (PostgreSQL, ADR 051) whose transaction was rolled back because one
   * of them did not end whole, and that then ran again one after another, each in its savepoint.
   */
  runAgain: number;
}

/** What the server's gate workers are doing, for `/metrics`. */
export interface GateRunStats {
  workers: number;
  running: number;
  /** Runs waiting for a worker, both queues. */
  queued: number;
  /** The same, by queue. */
  queuedByPriority: Record<GateRunPriority, number>;
  /** Runs since the server started, by how they ended. */
  ended: Record<GateRunEnd, number>;
  /** Callers refused `busy` since the server started (their run's queue was full), by priority. */
  refused: Record<GateRunPriority, number>;
  /**
   * Callers since the server started whose run joined an identical one waiting or under way
   * instead of being queued, by the caller's priority; not counted again in `ended`.
   */
  merged: Record<GateRunPriority, number>;
}

export interface ModelRepository {
  insert(model: Model): Promise<void>;
  /** With `forUpdate`, the row is locked until the transaction ends: promotions of one model queue here. */
  get(name: string, options?: { forUpdate?: boolean }): Promise<Model | undefined>;
  /**
   * The model the transition request `requestId` names, found by the request's id: asked for
   * beside the request's own read, without waiting for it (a round trip on PostgreSQL, ADR 049).
   * Not locked; `undefined` when there is no such request.
   */
  getOfRequest(requestId: string): Promise<Model | undefined>;
  setPolicy(name: string, policyDigest: string): Promise<void>;
  list(): Promise<Model[]>;
}

/** `VersionRepository.numberingNames`: the digits-only names' highest, and the other candidates. */
export interface NumberingNames {
  /** 0 when the model has no name of digits alone. */
  highestDigits: number;
  otherNumberLike: string[];
}

export interface VersionRepository {
  insert(version: Version, initialState: VersionState): Promise<void>;
  /**
   * `insert`, and `entry` appended to the audit log as `audit.append` appends it, in one
   * statement where a statement is a round trip (PostgreSQL, ADR 026). The caller decides what
   * the entry says; a duplicate version is refused before anything is kept.
   */
  insertLogged(
    version: Version,
    initialState: VersionState,
    entry: AuditEntryInput,
  ): Promise<AuditEntry>;
  get(model: string, version: string): Promise<VersionView | undefined>;
  /** Records the new current state; the database keeps at most one `production` per model. */
  setState(state: VersionState): Promise<void>;
  inState(model: string, state: string): Promise<VersionView[]>;
  /** `get` and `inState` of the same model together, in one statement. */
  getBeside(
    model: string,
    version: string,
    state: string,
  ): Promise<{ version: VersionView | undefined; inState: VersionView[] }>;
  list(model: string): Promise<VersionView[]>;
  /** The names of the model's versions, in no particular order. */
  names(model: string): Promise<string[]>;
  /**
   * What MLflow's numbering needs of the model's version names, without sending them all: the
   * highest of the names made of 1–15 digits alone (exact as a number on either engine), and every
   * other name not led by an ASCII letter or "_" (a digit, a sign, a dot, white space), for the
   * caller to judge.
   */
  numberingNames(model: string): Promise<NumberingNames>;
  /**
   * Up to `limit` versions in registration order (created_at, then name), starting after version
   * `after` when given (a keyset page: one index range, whatever the page's depth).
   */
  page(model: string, page: { limit: number; after?: VersionView }): Promise<VersionView[]>;
  /**
   * How many times the model's version rows (`versions`, `version_states`), its MLflow metadata
   * (tags, aliases, version tags and descriptions) or its serving row have changed: the database's
   * triggers add to it in the changing transaction (migrations 0017, 0030), so a kept list of the
   * model's versions, or its kept MLflow records, is current while it is unchanged
   * (`countedCache`). 0 before the first change.
   */
  changes(model: string): Promise<number>;
  /** `changes` of every model that has had one, in one statement; models not in it have 0. */
  allChanges(): Promise<Map<string, number>>;
}

export interface EvidenceRepository {
  /** Inserts the records (of one attach) together, a statement per few hundred. */
  insert(...records: EvidenceRecord[]): Promise<void>;
  list(model: string, version: string): Promise<EvidenceRecord[]>;
  /** `list` of the version a transition request names (none for no such request), one statement. */
  listOfRequest(requestId: string): Promise<EvidenceRecord[]>;
}

export interface PolicyRepository {
  /** Idempotent: a policy already stored under the digest is kept as it is. */
  insert(record: PolicyRecord): Promise<void>;
  get(digest: string): Promise<PolicyRecord | undefined>;
}

export interface RequestRepository {
  insert(request: TransitionRequest): Promise<void>;
  get(id: string, options?: { forUpdate?: boolean }): Promise<TransitionRequest | undefined>;
  /** Replaces the mutable fields (status, digests, decision id, close fields). */
  update(request: TransitionRequest): Promise<void>;
  /** `version` with `model`: that version's requests only. */
  list(filter: {
    model?: string;
    version?: string;
    status?: RequestStatus[];
  }): Promise<TransitionRequest[]>;
}

export interface ApprovalRepository {
  insert(approval: Approval): Promise<void>;
  list(requestId: string): Promise<Approval[]>;
}

export interface DecisionRepository {
  insert(decision: DecisionRecord): Promise<void>;
  get(id: string): Promise<DecisionRecord | undefined>;
  list(filter: { model?: string; kind?: DecisionRecord['kind'] }): Promise<DecisionRecord[]>;
}

export interface ServingRepository {
  get(model: string): Promise<ServingView>;
  /** The model's serving view in one statement; undefined when no model has that name. */
  ofModel(model: string): Promise<ServingView | undefined>;
  set(view: ServingView): Promise<void>;
}

export interface AuditRepository {
  /**
   * Appends an entry at the next sequence number, with its RFC 6962 leaf hash, inside the caller's
   * transaction: if the transaction rolls back, so does the entry (fail closed).
   */
  append(entry: AuditEntryInput): Promise<AuditEntry>;
  /**
   * Entries in the log. With `forUpdate`, the log head stays locked until the transaction ends:
   * no append and no other signer runs meanwhile (SQLite's write lock already does that).
   */
  size(options?: { forUpdate?: boolean }): Promise<number>;
  /**
   * Entries with seq in [from, to), in seq order, with the leaf hash stored at append time; read
   * in pages so a million-entry log streams in bounded memory. Consume it inside the transaction.
   */
  entries(from: number, to: number): AsyncIterable<LoggedAuditEntry>;
  /**
   * The rows with seq in [from, to) as stored, in seq order: the entry's text and its hex leaf
   * hash, nothing parsed. One statement (no transaction needed): what `audit verify` reads a page
   * of the whole log with.
   */
  storedRows(from: number, to: number): Promise<StoredAuditRow[]>;
  /**
   * The same rows packed into one value (audit/stored-page.ts): one row from one statement, no
   * object per entry. What `audit verify` reads the signed part of the log with.
   */
  storedPage(from: number, to: number): Promise<StoredAuditPage>;
  /** Stored leaf hashes for seq in [from, to), in order (for inclusion and consistency proofs). */
  leafHashes(from: number, to: number): Promise<Uint8Array[]>;
  /**
   * Hashes of perfect subtrees of the log's Merkle tree, in the order asked (level 0 is a leaf
   * hash). `append` stores each node the moment its last leaf arrives, in the same transaction,
   * so roots and proofs need O(log n) of them. A node that should exist and does not is
   * `audit_unavailable`.
   */
  treeNodes(ids: readonly TreeNodeId[]): Promise<Uint8Array[]>;
  /**
   * Entries whose action is one of `actions`, in seq order, read in pages (model history reads
   * promotions and rollbacks this way). Consume it inside the transaction.
   */
  withActions(actions: readonly string[]): AsyncIterable<AuditEntry>;
  /**
   * Entries about one subject whose action is one of `actions`, in seq order (execute reads a
   * request's `approval.recorded` entries this way: an approval counts only with its entry).
   */
  aboutSubject(
    subject: { type: string; id: string },
    actions: readonly string[],
  ): Promise<AuditEntry[]>;
  /**
   * Up to `limit` entries matching every filter given, oldest first from seq `from`, or newest
   * first below seq `before` (the audit explorer's pages), with their stored leaf hashes.
   */
  page(filter: AuditPageFilter): Promise<LoggedAuditEntry[]>;
}

/** The audit explorer's filters: exact model (see `entryModel`), actor and action; time range. */
export interface AuditPageFilter {
  model?: string;
  actor?: string;
  action?: string;
  /** Entries at or after this instant. */
  since?: string;
  /** Entries before this instant. */
  until?: string;
  /** Oldest first from this seq (inclusive); ignored when `before` is given. */
  from?: number;
  /** Newest first below this seq. */
  before?: number;
  limit: number;
}

/**
 * What signs the log's checkpoints: the log origin (`clearance/<install-id>`, also the key
 * name), the Ed25519 signer, and its C2SP verifier key for auditors. Built by `compose.ts`.
 */
export interface AuditSigner {
  origin: string;
  note: NoteSigner;
  verifierKey: string;
}

/** A signed checkpoint as stored: the C2SP signed note plus its size and root for lookups. */
export interface StoredCheckpoint {
  size: number;
  rootHash: Uint8Array;
  /** The signed note text (checkpoint body, blank line, signature lines). */
  note: string;
  createdAt: string;
}

export interface CheckpointRepository {
  /** One checkpoint per tree size: a second one for the same size is a conflict. */
  insert(checkpoint: StoredCheckpoint): Promise<void>;
  latest(): Promise<StoredCheckpoint | undefined>;
  /** The checkpoint signed at exactly `size`, if one was. */
  atSize(size: number): Promise<StoredCheckpoint | undefined>;
  /** Every checkpoint, smallest size first. */
  list(): Promise<StoredCheckpoint[]>;
}

/** A freshly minted API token: `display` is shown once; only `hashedSecret` is stored. */
export interface IssuedToken {
  id: string;
  /** What the user copies (`clr_<id>_<secret>`). */
  display: string;
  hashedSecret: string;
}

/** Mints API tokens; `auth/` implements it, so the use cases never see how secrets are hashed. */
export interface TokenIssuer {
  issue(): IssuedToken;
}

/** A role binding that applies to a model, with the account of the user holding it. */
export interface RoleHolding {
  userId: string;
  role: string;
  /** The user's display name when it has one. */
  displayName?: string;
  disabledAt?: string;
}

/** Users, role bindings and API tokens. */
export interface IdentityRepository {
  /** A second user with the same id is a conflict. */
  insertUser(user: User): Promise<void>;
  getUser(id: string): Promise<User | undefined>;
  /**
   * The stored users among `userIds`, each with its role bindings (any order), in one statement;
   * an id Clearance does not store is absent.
   */
  rolesOfUsers(userIds: readonly string[]): Promise<Map<string, RoleBinding[]>>;
  /**
   * `rolesOfUsers` of the people who signed off request `requestId` (approved or rejected), found
   * by the request's id in the same statement: asked for before the sign-offs are read (ADR 049).
   */
  rolesOfApproversOf(requestId: string): Promise<Map<string, RoleBinding[]>>;
  /** Sets (or, with undefined, clears) the user's notification address; false when no such user. */
  setEmail(id: string, email: string | undefined): Promise<boolean>;
  /** Disables the account at `at` (or, with undefined, enables it again); false when no such user. */
  setDisabledAt(id: string, at: string | undefined): Promise<boolean>;
  /** Every user, by id. */
  listUsers(): Promise<User[]>;
  countUsers(): Promise<number>;
  /** The same (user, role, model) twice is a conflict. */
  grantRole(grant: RoleGrant): Promise<void>;
  /** Removes the binding; false when the user did not hold it. */
  revokeRole(userId: string, binding: RoleBinding): Promise<boolean>;
  rolesOf(userId: string): Promise<RoleBinding[]>;
  /** Every binding, by user, role, then model (global first). */
  listRoleGrants(): Promise<RoleGrant[]>;
  /**
   * The bindings of any of `roles` that apply to `model` (global ones and that model's), each
   * with its user's account, by user id: who can sign off for the model, without reading every
   * binding of the registry.
   */
  holdersOfRoles(input: { roles: readonly string[]; model: string }): Promise<RoleHolding[]>;
  insertToken(token: ApiTokenRecord): Promise<void>;
  getToken(id: string): Promise<ApiTokenRecord | undefined>;
  /** Marks the token revoked; not_found when it does not exist. */
  revokeToken(id: string, at: string, by: string): Promise<void>;
  /** Tokens (of one user when given), oldest first. */
  listTokens(userId?: string): Promise<ApiTokenRecord[]>;
  /**
   * A number that changes in the transaction of every change above (users, role bindings,
   * tokens): a cache of resolved principals is valid exactly while it has not moved.
   */
  epoch(): Promise<number>;
}

/** A creating request's response exactly as sent, kept for replay under its `Idempotency-Key`. */
export interface IdempotencyResponse {
  status: number;
  contentType: string;
  /** The response body exactly as sent. */
  body: string;
  /** The Location header, when the response had one. */
  location?: string;
}

/**
 * An `Idempotency-Key` as the store holds it, shared by every server on the database so a retry
 * that lands on another server replays instead of acting twice. The key is claimed inside the
 * transaction that acts (so an action and its claim commit together); the response is added once
 * it has been sent.
 */
export interface IdempotencyRecord {
  key: string;
  principalId: string;
  /** SHA-256 (hex) of method, URL and body: the same key with another request is refused. */
  requestHash: string;
  createdAt: string;
  /**
   * Absent while the claiming request has acted but its response is not recorded yet — or for
   * good, if the server stopped in between: the action happened, the answer is unknown.
   */
  response?: IdempotencyResponse;
}

export interface IdempotencyRepository {
  get(key: string, principalId: string): Promise<IdempotencyRecord | undefined>;
  /** A second record for the same (principal, key) is a conflict. */
  put(record: IdempotencyRecord): Promise<void>;
  /**
   * Claims (principal, key) for a request acting in this transaction; false when another record
   * holds the key. A record created before `expiredBefore` no longer holds it and is replaced.
   */
  claim(record: Omit<IdempotencyRecord, 'response'>, expiredBefore: string): Promise<boolean>;
  /** Adds the response to a claim that has none; false when there is no such claim. */
  answer(key: string, principalId: string, response: IdempotencyResponse): Promise<boolean>;
  /**
   * Deletes at most `limit` records created before `at`, oldest first; returns how many. Bounded
   * because a write's changed pages are held in memory until its transaction ends (ADR 022).
   */
  purgeOlderThan(at: string, limit: number): Promise<number>;
}

/** Bytes received for the blob store, recorded before they are stored. */
export interface BlobUpload {
  id: string;
  principalId: string;
  digest: string;
  /**
   * The file's own bytes. The per-file charge is not stored: the quota check adds it for each
   * file recorded (`chargedSince` in upload-quota.ts).
   */
  size: number;
  at: string;
}

/**
 * The upload ledger (per-user quotas, and blob collection's guard for uploads in flight) and
 * which blobs evidence references.
 */
export interface BlobUploadRepository {
  /**
   * Records the uploads (of one attach) together, a statement per few hundred, each with its
   * user's running totals (ADR 052): called in a write transaction, one user's after another.
   */
  record(...uploads: BlobUpload[]): Promise<void>;
  /** Files `principalId` uploaded at or after `since`, and their bytes, whatever their number. */
  usageSince(principalId: string, since: string): Promise<{ files: number; bytes: number }>;
  /** Whether `digest` was uploaded at or after `since`: its attach may still be in flight. */
  uploadedSince(digest: string, since: string): Promise<boolean>;
  /** Whether any evidence record references `digest`. */
  isReferenced(digest: string): Promise<boolean>;
  /** Deletes ledger rows before `at`; returns how many. */
  purgeBefore(at: string): Promise<number>;
}

/** One pending transition request with everything the approvals inbox weighs it against. */
export interface PendingRequestContext {
  request: TransitionRequest;
  version: VersionView;
  approvals: Approval[];
  /** The version's evidence now (approvals count only if they saw its digest). */
  evidence: EvidenceRecord[];
  /** The policy the model is governed by now. */
  modelPolicyDigest: string;
}

/**
 * List-and-board queries (STYLE: read models apart from the write repositories): each answers a
 * screen in a fixed number of queries, however many rows it lists.
 */
export interface ReadModels {
  /** Every pending request with its context, oldest first. */
  pendingRequests(): Promise<PendingRequestContext[]>;
  /** One page of the release board, models in name order (see BoardQuery). */
  board(query: BoardQuery): Promise<BoardModelData[]>;
}

/** Which models a board page lists: the filters, a keyset position and a page size. */
export interface BoardQuery {
  team?: string;
  riskTier?: string;
  /** Only these models (the caller's scoped roles, or those waiting for them); absent: all. */
  models?: readonly string[];
  /** Models named after this one. */
  after?: string;
  limit: number;
  /** Emergency changes whose review was due by then are review candidates. */
  now: string;
}

/** What the release board shows of one model, straight from the store. */
export interface BoardModelData {
  model: Model;
  /** Every version with its current state, in registration order. */
  versions: { version: string; state: string }[];
  serving: ServingView;
  /** Pending and approved requests, oldest first, each with its gate decision (if any). */
  open: { request: TransitionRequest; decision?: DecisionRecord }[];
  /** The running or paused rollout, if any. */
  rollout?: { id: string; version: string };
  /** Executed or expired emergency changes whose post-incident review was due by `now`. */
  reviewsDue: TransitionRequest[];
}

/** Everything a use case may write, bound to one transaction. */
/** A version's tag as changed after registration; `value: null` records its deletion. */
export interface VersionTagChange {
  model: string;
  version: string;
  key: string;
  value: string | null;
  at: string;
}

/**
 * MLflow's mutable metadata. Setters upsert; a null removes the row (or, for a version tag,
 * records the deletion of a tag given at registration).
 */
export interface ModelMetadataRepository {
  modelTags(model: string): Promise<Record<string, string>>;
  setModelTag(tag: { model: string; key: string; value: string | null; at: string }): Promise<void>;
  /** Every tag change recorded for the model's versions (for one version, when named). */
  versionTags(model: string, version?: string): Promise<VersionTagChange[]>;
  setVersionTag(tag: VersionTagChange): Promise<void>;
  /** Removes a version's tag row: for a tag not given at registration, nothing to record over. */
  removeVersionTag(tag: { model: string; version: string; key: string }): Promise<void>;
  aliases(model: string): Promise<{ alias: string; version: string }[]>;
  setAlias(alias: {
    model: string;
    alias: string;
    version: string | null;
    at: string;
  }): Promise<void>;
  versionDescriptions(model: string): Promise<Record<string, string>>;
  setVersionDescription(input: {
    model: string;
    version: string;
    description: string;
    at: string;
  }): Promise<void>;
  setModelDescription(model: string, description: string): Promise<void>;
}

export interface Repositories {
  models: ModelRepository;
  versions: VersionRepository;
  evidence: EvidenceRepository;
  policies: PolicyRepository;
  requests: RequestRepository;
  approvals: ApprovalRepository;
  decisions: DecisionRepository;
  serving: ServingRepository;
  audit: AuditRepository;
  checkpoints: CheckpointRepository;
  identity: IdentityRepository;
  idempotency: IdempotencyRepository;
  blobUploads: BlobUploadRepository;
  /** The work queue (work-queue-ports.ts): events, jobs and deliveries commit with the change. */
  outbox: OutboxRepository;
  jobs: JobRepository;
  deliveries: DeliveryRepository;
  /** Webhook subscriptions (notification-ports.ts). */
  webhooks: WebhookSubscriptionRepository;
  /** Canary rollouts and their KPI observations (rollout-ports.ts). */
  rollouts: RolloutRepository;
  /** MLflow's mutable tags, aliases and descriptions (0013). */
  metadata: ModelMetadataRepository;
  reads: ReadModels;
}

/**
 * What a write promises about itself when it names the one model it acts on (or, for the upload
 * ledger, the one user whose uploads it records): its transaction reads and writes no other
 * model's (user's) rows, nor rows that count across them beyond appending to the audit log, the
 * outbox and the job queue, and the work may run twice. On PostgreSQL,
 * writes naming different models run side by side in one database transaction; if one of them
 * does not end whole, that transaction is rolled back and all of them run again, one after
 * another (ADR 051). So the work leaves nothing behind but its writes: no state outside its
 * transaction that a rolled-back first run would leave wrong.
 */
export type WriteScope =
  | {
      model: string;
      /**
       * A registration of this new version of `model` (ADR 053): beyond the above, the work reads
       * and writes none of the model's other versions' rows, and writes the model's own rows only
       * by adding to its change counts. Registrations of different new versions of one model
       * then commute, and on PostgreSQL run side by side like writes of different models; any
       * other write of the model runs apart from them. One registration reads another version's
       * row: into a first state of `production`, the model's production row; two such side by
       * side are refused by the one-production index or by that read, and run again in turn.
       */
      newVersion?: string;
    }
  | { uploadsOf: string };

export interface Store {
  /**
   * Runs `work` in one transaction; commits if it resolves, rolls back if it throws. Conflicts
   * (a unique index, a serialisation failure) surface as ClearanceError('conflict').
   */
  transaction<T>(work: (tx: Repositories) => Promise<T>, scope?: WriteScope): Promise<T>;
  /**
   * Runs `work` in one read-only transaction: a consistent snapshot that does not wait for
   * writers or hold them up (the serving read, lists, proofs, verification). A write inside fails.
   */
  read<T>(work: (tx: Repositories) => Promise<T>): Promise<T>;
  /**
   * Runs `work`, a read of exactly one statement, outside any transaction: one statement is its
   * own consistent snapshot, so the hot reads (authentication's check, one model, one version)
   * skip BEGIN and COMMIT. Two statements that must agree belong in `read`.
   */
  readOne<T>(work: (tx: Repositories) => Promise<T>): Promise<T>;
  /**
   * Runs `work`, reads that a write transaction repeats under its locks before it trusts them (a
   * pre-check refusing early, gates evaluated ahead: ADR 014, 036), outside any transaction:
   * each statement sees what was committed when it started, so two statements may disagree, and
   * the work must take nothing from them but what its transaction reads and compares again. On
   * PostgreSQL that skips a read transaction's BEGIN and COMMIT, two round trips (ADR 042).
   */
  readAhead<T>(work: (tx: Repositories) => Promise<T>): Promise<T>;
  /**
   * A number that changes whenever anything is committed to the database (by this process or any
   * other), never older than the call; `undefined` when the engine cannot tell. What was read
   * after it answered `v` stays exact for as long as it still answers `v` (`readCache`). SQLite
   * answers without a round trip; PostgreSQL with one primary-key read, shared by the calls of
   * one turn of the event loop.
   */
  dataVersion(): Promise<number | undefined>;
  /**
   * `dataVersion` and the identity epoch (`identity.epoch()`) read by one statement, so from one
   * snapshot, and shared with `dataVersion`'s read of the same turn; present where the data version
   * is itself a statement (PostgreSQL), absent where it costs none (ADR 029).
   */
  dataVersionWithEpoch?(): Promise<{ version: number; epoch: number } | undefined>;
  /** What this process's write path has done since the store opened (`/metrics`); absent on fakes. */
  writeStats?(): WritePathStats;
  /**
   * Set where writes naming their scope run side by side (PostgreSQL, ADR 051): a use case that
   * would have to read something first to name its scope (an approval, its request's model) reads
   * it only here.
   */
  readonly writesSideBySide?: true;
  /**
   * Calls `listener` soon after a transaction that made a job due now commits (an event appended,
   * a delivery planned or sent again, a job released), so a job runner need not wait for its
   * poll: from this process on every engine, and from other processes where the engine can say
   * so (PostgreSQL LISTEN/NOTIFY). A wake-up only, never the only path: the runner still polls.
   * The returned function stops the calls. Absent on stores that cannot tell.
   */
  watchJobs?(listener: () => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

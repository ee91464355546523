import { isDeepStrictEqual } from 'node:util';
/**
 * An in-memory Store that behaves like the real one where use cases can tell: one transaction at
 * a time (a mutex), all-or-nothing commits (work runs on a copy that replaces the state only when
 * it resolves), unique keys and the one-production rule as ClearanceError('conflict'), and audit
 * entries with contiguous sequence numbers and RFC 6962 leaf hashes from the audit core.
 */
import type {
  AuditEntryInput,
  AuditPageFilter,
  BlobUpload,
  IdempotencyRecord,
  Repositories,
  Store,
  StoredCheckpoint,
} from '../../src/app/shared/ports.js';
import {
  type AuditEntry,
  entryLeafHash,
  entryModel,
  hashCompletedNodes,
  type LoggedAuditEntry,
  leftChild,
  nodeKey,
  nodesCompletedBy,
  packStoredRows,
  type StoredAuditRow,
  type TreeNodeId,
} from '../../src/audit/index.js';
import { canonicalJson } from '../../src/domain/canonical-json.js';
import {
  type ApiTokenRecord,
  type Approval,
  ClearanceError,
  type DecisionRecord,
  type EvidenceRecord,
  type Model,
  type PolicyRecord,
  type RoleBinding,
  type RoleGrant,
  type ServingView,
  type TransitionRequest,
  type User,
  type Version,
  type VersionState,
  type VersionView,
} from '../../src/domain/index.js';
import {
  countChange,
  emptyMetadata,
  type MetadataState,
  metadataRepo,
} from './in-memory-metadata.js';
import { emptyRollouts, type RolloutsState, rolloutRepo } from './in-memory-rollouts.js';
import { emptyWorkQueue, type WorkQueueState, workQueueRepos } from './in-memory-work-queue.js';

export interface MemoryState extends WorkQueueState, RolloutsState, MetadataState {
  models: Map<string, Model>;
  versions: Map<string, Version>;
  states: Map<string, VersionState>;
  /** By model: what the database's triggers count in `version_changes`. */
  versionChanges: Map<string, number>;
  evidence: EvidenceRecord[];
  policies: Map<string, PolicyRecord>;
  requests: Map<string, TransitionRequest>;
  approvals: Approval[];
  decisions: Map<string, DecisionRecord>;
  serving: Map<string, ServingView>;
  audit: AuditEntry[];
  leafHashes: Uint8Array[];
  checkpoints: StoredCheckpoint[];
  users: Map<string, User>;
  roleGrants: RoleGrant[];
  tokens: Map<string, ApiTokenRecord>;
  identityEpoch: number;
  /** By `${principalId}\u0000${key}`. */
  idempotency: Map<string, IdempotencyRecord>;
  /** Merkle tree nodes above the leaves, by `nodeKey`, stored as `append` completes them. */
  treeNodes: Map<string, Uint8Array>;
  blobUploads: BlobUpload[];
}

export interface InMemoryStore extends Store {
  /** A deep copy of the committed state, for assertions. */
  snapshot(): MemoryState;
  /** Edits committed state behind the service's back, as a rogue database write would. */
  tamper(edit: (state: MemoryState) => void): void;
}

function emptyState(): MemoryState {
  return {
    models: new Map(),
    versions: new Map(),
    states: new Map(),
    versionChanges: new Map(),
    evidence: [],
    policies: new Map(),
    requests: new Map(),
    approvals: [],
    decisions: new Map(),
    serving: new Map(),
    audit: [],
    leafHashes: [],
    checkpoints: [],
    users: new Map(),
    roleGrants: [],
    tokens: new Map(),
    identityEpoch: 0,
    idempotency: new Map(),
    treeNodes: new Map(),
    blobUploads: [],
    ...emptyWorkQueue(),
    ...emptyRollouts(),
    ...emptyMetadata(),
  };
}

function blobUploadRepo(s: MemoryState): Pick<Repositories, 'blobUploads'> {
  return {
    blobUploads: {
      record: async (...uploads) => {
        for (const upload of uploads) s.blobUploads.push(copy(upload));
      },
      usageSince: async (principalId, since) => {
        const mine = s.blobUploads.filter((u) => u.principalId === principalId && u.at >= since);
        return { files: mine.length, bytes: mine.reduce((sum, u) => sum + u.size, 0) };
      },
      uploadedSince: async (digest, since) =>
        s.blobUploads.some((u) => u.digest === digest && u.at >= since),
      isReferenced: async (digest) => s.evidence.some((e) => e.digest === digest),
      purgeBefore: async (at) => {
        const before = s.blobUploads.length;
        s.blobUploads = s.blobUploads.filter((u) => u.at >= at);
        return before - s.blobUploads.length;
      },
    },
  };
}

const key = (model: string, version: string) => `${model}\u0000${version}`;
const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const copy = <T>(value: T): T => structuredClone(value);

function conflict(message: string, fix: string): ClearanceError {
  return new ClearanceError('conflict', message, { problems: [{ message, fix }] });
}

function view(s: MemoryState, version: Version): VersionView {
  const state = s.states.get(key(version.model, version.version));
  if (!state) throw new Error(`version ${version.model}@${version.version} has no state`);
  return { ...copy(version), state: state.state, stateSince: state.since };
}

function appendToLog(s: MemoryState, input: AuditEntryInput): AuditEntry {
  const entry = { ...copy(input), seq: s.audit.length } as AuditEntry;
  const leaf = entryLeafHash(entry); // validates the entry; throws on a malformed one
  s.audit.push(entry);
  s.leafHashes.push(leaf);
  const completed = nodesCompletedBy(entry.seq);
  const leftHashes = completed.map((node) => treeNode(s, leftChild(node)));
  for (const node of hashCompletedNodes({ completed, leftHashes, leafHash: leaf })) {
    s.treeNodes.set(nodeKey(node), node.hash);
  }
  return copy(entry);
}

function versionRepos(s: MemoryState): Pick<Repositories, 'models' | 'versions' | 'evidence'> {
  return {
    models: {
      insert: async (model) => {
        if (s.models.has(model.name)) {
          throw conflict(`Model ${model.name} already exists.`, 'Choose another name.');
        }
        s.models.set(model.name, copy(model));
      },
      get: async (name) => copy(s.models.get(name)),
      getOfRequest: async (requestId) => {
        const request = s.requests.get(requestId);
        return request === undefined ? undefined : copy(s.models.get(request.model));
      },
      setPolicy: async (name, policyDigest) => {
        const model = s.models.get(name);
        if (!model) throw new ClearanceError('not_found', `Model ${name} does not exist.`);
        s.models.set(name, { ...model, policyDigest });
      },
      list: async () => [...s.models.values()].map(copy),
    },
    versions: {
      insert: async (version, initial) => {
        const k = key(version.model, version.version);
        if (s.versions.has(k)) {
          throw conflict(
            `Version ${version.model}@${version.version} already exists.`,
            'Versions are immutable; register a new version name.',
          );
        }
        s.versions.set(k, copy(version));
        s.states.set(k, copy(initial));
        s.versionChanges.set(version.model, (s.versionChanges.get(version.model) ?? 0) + 2);
      },
      async insertLogged(version, initial, entry) {
        await this.insert(version, initial);
        return appendToLog(s, entry);
      },
      get: async (model, version) => {
        const found = s.versions.get(key(model, version));
        return found ? view(s, found) : undefined;
      },
      setState: async (state) => {
        const k = key(state.model, state.version);
        if (!s.versions.has(k)) throw new Error(`unknown version ${state.model}@${state.version}`);
        if (state.state === 'production') {
          for (const [other, current] of s.states) {
            if (other !== k && current.model === state.model && current.state === 'production') {
              throw conflict(
                `Model ${state.model} already has ${current.version} as its production version.`,
                'Retry after the other promotion finishes; it demotes the previous version.',
              );
            }
          }
        }
        s.states.set(k, copy(state));
        s.versionChanges.set(state.model, (s.versionChanges.get(state.model) ?? 0) + 1);
      },
      changes: async (model) => s.versionChanges.get(model) ?? 0,
      allChanges: async () => new Map(s.versionChanges),
      inState: async (model, state) => viewsInState(s, model, state),
      getBeside: async (model, version, state) => {
        const found = s.versions.get(key(model, version));
        return {
          version: found ? view(s, found) : undefined,
          inState: viewsInState(s, model, state),
        };
      },
      list: async (model) =>
        [...s.versions.values()].filter((v) => v.model === model).map((v) => view(s, v)),
      names: async (model) =>
        [...s.versions.values()].filter((v) => v.model === model).map((v) => v.version),
      numberingNames: async (model) => {
        let highestDigits = 0;
        const otherNumberLike: string[] = [];
        for (const v of s.versions.values()) {
          if (v.model !== model) continue;
          if (/^[0-9]{1,15}$/.test(v.version))
            highestDigits = Math.max(highestDigits, Number(v.version));
          else if (!/^[A-Za-z_]/.test(v.version)) otherNumberLike.push(v.version);
        }
        return { highestDigits, otherNumberLike };
      },
      page: async (model, { limit, after }) =>
        [...s.versions.values()]
          .filter((v) => v.model === model)
          .sort((a, b) => byText(a.createdAt, b.createdAt) || byText(a.version, b.version))
          .filter(
            (v) =>
              after === undefined ||
              byText(v.createdAt, after.createdAt) > 0 ||
              (v.createdAt === after.createdAt && byText(v.version, after.version) > 0),
          )
          .slice(0, limit)
          .map((v) => view(s, v)),
    },
    evidence: {
      insert: async (...records) => {
        // All or none, as one statement inserts them.
        for (const [i, record] of records.entries()) {
          const clash = [...s.evidence, ...records.slice(0, i)].some(
            (e) =>
              e.model === record.model && e.version === record.version && e.path === record.path,
          );
          if (clash) {
            throw conflict(
              `Evidence ${record.path} is already attached to ${record.model}@${record.version}.`,
              'Evidence is immutable; attach the new file under another name.',
            );
          }
        }
        for (const record of records) s.evidence.push(copy(record));
      },
      list: async (model, version) => listEvidence(s, model, version),
      listOfRequest: async (requestId) => {
        const request = s.requests.get(requestId);
        return request ? listEvidence(s, request.model, request.version) : [];
      },
    },
  };
}

function viewsInState(s: MemoryState, model: string, state: string) {
  return [...s.versions.values()]
    .filter((v) => v.model === model && s.states.get(key(model, v.version))?.state === state)
    .map((v) => view(s, v));
}

function listEvidence(s: MemoryState, model: string, version: string): EvidenceRecord[] {
  return s.evidence
    .filter((e) => e.model === model && e.version === version)
    .sort((a, b) => byText(a.path, b.path))
    .map(copy);
}

function requestRepos(s: MemoryState): Pick<Repositories, 'requests' | 'approvals' | 'decisions'> {
  return {
    requests: {
      insert: async (request) => {
        if (s.requests.has(request.id)) throw conflict(`Request ${request.id} exists.`, 'Retry.');
        s.requests.set(request.id, copy(request));
      },
      get: async (id) => copy(s.requests.get(id)),
      update: async (request) => {
        if (!s.requests.has(request.id)) {
          throw new ClearanceError('not_found', `Transition request ${request.id} does not exist.`);
        }
        s.requests.set(request.id, copy(request));
      },
      list: async (filter) =>
        [...s.requests.values()]
          .filter((r) => filter.model === undefined || r.model === filter.model)
          .filter((r) => filter.version === undefined || r.version === filter.version)
          .filter((r) => filter.status === undefined || filter.status.includes(r.status))
          .map(copy),
    },
    approvals: {
      insert: async (approval) => {
        if (s.approvals.some((a) => a.id === approval.id)) {
          throw conflict(`Approval ${approval.id} exists.`, 'Retry.');
        }
        s.approvals.push(copy(approval));
      },
      list: async (requestId) =>
        s.approvals
          .filter((a) => a.requestId === requestId)
          .sort((a, b) => byText(a.at, b.at))
          .map(copy),
    },
    decisions: {
      insert: async (decision) => {
        if (s.decisions.has(decision.id))
          throw conflict(`Decision ${decision.id} exists.`, 'Retry.');
        s.decisions.set(decision.id, copy(decision));
      },
      get: async (id) => copy(s.decisions.get(id)),
      list: async (filter) =>
        [...s.decisions.values()]
          .filter((d) => filter.model === undefined || d.model === filter.model)
          .filter((d) => filter.kind === undefined || d.kind === filter.kind)
          .map(copy),
    },
  };
}

function otherRepos(
  s: MemoryState,
): Pick<Repositories, 'policies' | 'serving' | 'audit' | 'checkpoints'> {
  return {
    policies: {
      insert: async (record) => {
        if (!s.policies.has(record.digest)) s.policies.set(record.digest, copy(record));
      },
      get: async (digest) => copy(s.policies.get(digest)),
    },
    serving: {
      get: async (model) => copy(s.serving.get(model)) ?? { model },
      ofModel: async (model) =>
        s.models.has(model) ? (copy(s.serving.get(model)) ?? { model }) : undefined,
      set: async (servingView) => {
        s.serving.set(servingView.model, copy(servingView));
        countChange(s.versionChanges, servingView.model);
      },
    },
    audit: {
      append: async (input: AuditEntryInput) => appendToLog(s, input),
      size: async () => s.audit.length,
      entries: (from, to) => loggedEntries(s, from, to),
      storedRows: async (from, to) => storedRowsOf(s, from, to),
      storedPage: async (from, to) => packStoredRows(storedRowsOf(s, from, to)),
      leafHashes: async (from, to) => s.leafHashes.slice(from, to).map((h) => Buffer.from(h)),
      treeNodes: async (ids) => ids.map((id) => Buffer.from(treeNode(s, id))),
      withActions: (actions) => entriesWithActions(s, actions),
      page: async (filter) => auditPage(s, filter),
      aboutSubject: async (subject, actions) =>
        s.audit
          .filter(
            (e) =>
              e.subject.type === subject.type &&
              e.subject.id === subject.id &&
              actions.includes(e.action),
          )
          .map(copy),
    },
    checkpoints: {
      insert: async (checkpoint) => {
        if (s.checkpoints.some((c) => c.size === checkpoint.size)) {
          throw conflict(
            `A checkpoint for tree size ${checkpoint.size} already exists.`,
            'Sign a checkpoint only when the log has grown.',
          );
        }
        s.checkpoints.push(copy(checkpoint));
        s.checkpoints.sort((a, b) => a.size - b.size);
      },
      latest: async () => copy(s.checkpoints.at(-1)),
      atSize: async (size) => copy(s.checkpoints.find((c) => c.size === size)),
      list: async () => s.checkpoints.map(copy),
    },
  };
}

const sameBinding = (a: RoleBinding, b: RoleBinding) => a.role === b.role && a.model === b.model;
const grantOrder = (a: RoleGrant, b: RoleGrant) =>
  byText(a.userId, b.userId) || byText(a.role, b.role) || byText(a.model ?? '', b.model ?? '');

function identityRepo(s: MemoryState): Pick<Repositories, 'identity'> {
  const rolesOfUsers = (userIds: readonly string[]) =>
    new Map(
      userIds
        .filter((id) => s.users.has(id))
        .map((id) => [
          id,
          s.roleGrants
            .filter((g) => g.userId === id)
            .map((g) =>
              g.model === undefined ? { role: g.role } : { role: g.role, model: g.model },
            ),
        ]),
    );
  return {
    identity: {
      insertUser: async (user) => {
        if (s.users.has(user.id))
          throw conflict(`User ${user.id} already exists.`, 'Pick another id.');
        s.users.set(user.id, copy(user));
        s.identityEpoch += 1;
      },
      getUser: async (id) => copy(s.users.get(id)),
      setEmail: async (id, email) => {
        const user = s.users.get(id);
        if (user === undefined) return false;
        if (email === undefined) delete user.email;
        else user.email = email;
        // As the databases' `users` trigger (migration 0019): every change to a user row moves it.
        s.identityEpoch += 1;
        return true;
      },
      setDisabledAt: async (id, at) => {
        const user = s.users.get(id);
        if (user === undefined) return false;
        if (at === undefined) delete user.disabledAt;
        else user.disabledAt = at;
        s.identityEpoch += 1;
        return true;
      },
      listUsers: async () => [...s.users.values()].sort((a, b) => byText(a.id, b.id)).map(copy),
      countUsers: async () => s.users.size,
      grantRole: async (grant) => {
        if (!s.users.has(grant.userId)) throw new Error(`unknown user ${grant.userId}`);
        if (s.roleGrants.some((g) => g.userId === grant.userId && sameBinding(g, grant))) {
          throw conflict(
            `User ${grant.userId} already holds role ${grant.role}.`,
            'Nothing to do.',
          );
        }
        s.roleGrants.push(copy(grant));
        s.identityEpoch += 1;
      },
      revokeRole: async (userId, binding) => {
        const before = s.roleGrants.length;
        s.roleGrants = s.roleGrants.filter((g) => g.userId !== userId || !sameBinding(g, binding));
        if (s.roleGrants.length === before) return false;
        s.identityEpoch += 1;
        return true;
      },
      rolesOfUsers: async (userIds) => rolesOfUsers(userIds),
      rolesOfApproversOf: async (requestId) =>
        rolesOfUsers([
          ...new Set(s.approvals.filter((a) => a.requestId === requestId).map((a) => a.approver)),
        ]),
      rolesOf: async (userId) =>
        s.roleGrants
          .filter((g) => g.userId === userId)
          .sort(grantOrder)
          .map((g) =>
            g.model === undefined ? { role: g.role } : { role: g.role, model: g.model },
          ),
      listRoleGrants: async () => [...s.roleGrants].sort(grantOrder).map(copy),
      holdersOfRoles: async ({ roles, model }) =>
        s.roleGrants
          .filter((g) => roles.includes(g.role) && (g.model === undefined || g.model === model))
          .sort(grantOrder)
          .map((g) => {
            const user = s.users.get(g.userId);
            return {
              userId: g.userId,
              role: g.role,
              ...(user?.displayName ? { displayName: user.displayName } : {}),
              ...(user?.disabledAt === undefined ? {} : { disabledAt: user.disabledAt }),
            };
          }),
      insertToken: async (token) => {
        if (!s.users.has(token.userId)) throw new Error(`unknown user ${token.userId}`);
        if (s.tokens.has(token.id)) throw conflict(`API token ${token.id} exists.`, 'Retry.');
        s.tokens.set(token.id, copy(token));
        s.identityEpoch += 1;
      },
      getToken: async (id) => copy(s.tokens.get(id)),
      revokeToken: async (id, at, by) => {
        const token = s.tokens.get(id);
        if (!token) throw new ClearanceError('not_found', `API token ${id} does not exist.`);
        s.tokens.set(id, { ...token, revokedAt: at, revokedBy: by });
        s.identityEpoch += 1;
      },
      epoch: async () => s.identityEpoch,
      listTokens: async (userId) =>
        [...s.tokens.values()]
          .filter((t) => userId === undefined || t.userId === userId)
          .sort((a, b) => byText(a.createdAt, b.createdAt) || byText(a.id, b.id))
          .map(copy),
    },
  };
}

function idempotencyRepo(s: MemoryState): Pick<Repositories, 'idempotency'> {
  return {
    idempotency: {
      get: async (k, principalId) => copy(s.idempotency.get(key(principalId, k))),
      put: async (record) => {
        const id = key(record.principalId, record.key);
        if (s.idempotency.has(id)) {
          throw conflict(`Idempotency-Key ${record.key} is already recorded.`, 'Use a new key.');
        }
        s.idempotency.set(id, copy(record));
      },
      claim: async (record, expiredBefore) => {
        const id = key(record.principalId, record.key);
        const held = s.idempotency.get(id);
        if (held && held.createdAt >= expiredBefore) return false;
        s.idempotency.set(id, copy(record));
        return true;
      },
      answer: async (k, principalId, response) => {
        const held = s.idempotency.get(key(principalId, k));
        if (!held || held.response) return false;
        held.response = copy(response);
        return true;
      },
      purgeOlderThan: async (at, limit) => {
        const expired = [...s.idempotency]
          .filter(([, record]) => record.createdAt < at)
          .sort(([, a], [, b]) => (a.createdAt < b.createdAt ? -1 : 1))
          .slice(0, limit);
        for (const [id] of expired) s.idempotency.delete(id);
        return expired.length;
      },
    },
  };
}

function treeNode(s: MemoryState, id: TreeNodeId): Uint8Array {
  const hash = id.level === 0 ? s.leafHashes[id.index] : s.treeNodes.get(nodeKey(id));
  if (hash === undefined) {
    throw new ClearanceError('audit_unavailable', `Merkle tree node ${nodeKey(id)} is missing.`);
  }
  return hash;
}

async function* loggedEntries(
  s: MemoryState,
  from: number,
  to: number,
): AsyncIterable<LoggedAuditEntry> {
  const end = Math.min(to, s.audit.length);
  for (let seq = Math.max(0, from); seq < end; seq++) {
    const entry = s.audit[seq];
    const leafHash = s.leafHashes[seq];
    if (entry && leafHash) yield { entry: copy(entry), leafHash: Buffer.from(leafHash) };
  }
}

/** The rows with seq in [from, to) as the SQL store holds them. */
function storedRowsOf(s: MemoryState, from: number, to: number): StoredAuditRow[] {
  return s.audit.slice(from, to).map((entry, k) => ({
    seq: from + k,
    text: canonicalJson(entry), // the stored text: what the SQL store writes
    leafHash: Buffer.from(s.leafHashes[from + k] as Uint8Array).toString('hex'),
  }));
}

function auditPage(s: MemoryState, filter: AuditPageFilter): LoggedAuditEntry[] {
  const time = (e: AuditEntry) => Date.parse(e.time);
  const matching = s.audit.filter(
    (e) =>
      (filter.model === undefined || entryModel(e) === filter.model) &&
      (filter.actor === undefined || e.actor.id === filter.actor) &&
      (filter.action === undefined || e.action === filter.action) &&
      (filter.since === undefined || time(e) >= Date.parse(filter.since)) &&
      (filter.until === undefined || time(e) < Date.parse(filter.until)),
  );
  const { before } = filter;
  const ordered =
    before !== undefined
      ? matching.filter((e) => e.seq < before).reverse()
      : matching.filter((e) => e.seq >= (filter.from ?? 0));
  return ordered.slice(0, filter.limit).map((entry) => ({
    entry: copy(entry),
    leafHash: Buffer.from(s.leafHashes[entry.seq] as Uint8Array),
  }));
}

async function* entriesWithActions(
  s: MemoryState,
  actions: readonly string[],
): AsyncIterable<AuditEntry> {
  for (const entry of s.audit) if (actions.includes(entry.action)) yield copy(entry);
}

/** The read models, composed from the fake's repositories (the real ones use joined queries). */
function readModels(tx: Omit<Repositories, 'reads'>): Repositories['reads'] {
  return {
    async pendingRequests() {
      const requests = await tx.requests.list({ status: ['pending'] });
      return Promise.all(
        requests.map(async (request) => {
          const version = await tx.versions.get(request.model, request.version);
          const model = await tx.models.get(request.model);
          if (!version || !model) throw new Error(`request ${request.id} has no version or model`);
          return {
            request,
            version,
            approvals: await tx.approvals.list(request.id),
            evidence: await tx.evidence.list(request.model, request.version),
            modelPolicyDigest: model.policyDigest,
          };
        }),
      );
    },
    async board(query) {
      const models = (await tx.models.list())
        .filter(
          (m) =>
            (query.team === undefined || m.ownerTeam === query.team) &&
            (query.riskTier === undefined || m.riskTier === query.riskTier) &&
            (query.models === undefined || query.models.includes(m.name)) &&
            (query.after === undefined || m.name > query.after),
        )
        .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
        .slice(0, query.limit);
      const active = await tx.rollouts.list({ status: ['running', 'paused'] });
      return Promise.all(
        models.map(async (model) => {
          const requests = await tx.requests.list({ model: model.name });
          const open = await Promise.all(
            requests
              .filter((r) => r.status === 'pending' || r.status === 'approved')
              .map(async (request) => {
                const decision = request.decisionId
                  ? await tx.decisions.get(request.decisionId)
                  : undefined;
                return decision ? { request, decision } : { request };
              }),
          );
          const rollout = active.find((r) => r.model === model.name);
          return {
            model,
            versions: (await tx.versions.list(model.name)).map((v) => ({
              version: v.version,
              state: v.state,
            })),
            serving: await tx.serving.get(model.name),
            open,
            ...(rollout ? { rollout: { id: rollout.id, version: rollout.version } } : {}),
            reviewsDue: requests.filter(
              (r) =>
                (r.status === 'executed' || r.status === 'expired') &&
                r.changeType === 'emergency' &&
                r.reviewDueAt !== undefined &&
                Date.parse(r.reviewDueAt) <= Date.parse(query.now),
            ),
          };
        }),
      );
    },
  };
}

export function createInMemoryStore(): InMemoryStore {
  let committed = emptyState();
  let queue: Promise<unknown> = Promise.resolve();
  let closed = false;
  // Counts commits, as SQLite's data_version does: every committed transaction changes it.
  let commits = 0;
  const repositories = (draft: MemoryState): Repositories => {
    const writes = {
      ...versionRepos(draft),
      ...requestRepos(draft),
      ...otherRepos(draft),
      ...identityRepo(draft),
      ...idempotencyRepo(draft),
      ...blobUploadRepo(draft),
      ...workQueueRepos(draft),
      ...rolloutRepo(draft),
      ...metadataRepo(draft),
    };
    return { ...writes, reads: readModels(writes) };
  };
  return {
    async read<T>(work: (tx: Repositories) => Promise<T>): Promise<T> {
      if (closed) throw new Error('the store is closed');
      // A snapshot of what is committed now; like a read-only database transaction, a write
      // inside is an error (the real engines refuse it too).
      const snapshot = copy(committed);
      const draft = copy(snapshot);
      const result = await work(repositories(draft));
      if (!isDeepStrictEqual(draft, snapshot)) throw new Error('A read transaction wrote.');
      return result;
    },
    // One statement outside a transaction sees what is committed: the same as a snapshot here.
    readOne<T>(work: (tx: Repositories) => Promise<T>): Promise<T> {
      return this.read(work);
    },
    // Statements that may each see another commit: one snapshot is one of the answers allowed.
    readAhead<T>(work: (tx: Repositories) => Promise<T>): Promise<T> {
      return this.read(work);
    },
    transaction<T>(work: (tx: Repositories) => Promise<T>): Promise<T> {
      if (closed) return Promise.reject(new Error('the store is closed'));
      const run = async () => {
        const draft = copy(committed);
        const tx = repositories(draft);
        const result = await work(tx);
        committed = draft;
        commits += 1;
        return result;
      };
      const next = queue.then(run, run);
      queue = next.catch(() => undefined);
      return next;
    },
    dataVersion: () => Promise.resolve(closed ? undefined : commits),
    close: async () => {
      closed = true;
    },
    snapshot: () => copy(committed),
    // An edit behind the store's back is still a change of the data, as on a real database.
    tamper: (edit) => {
      edit(committed);
      commits += 1;
    },
  };
}

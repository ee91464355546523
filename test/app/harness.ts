/**
 * Builds the use cases' dependencies — on fakes (`harness`) or, through `forEachStore`, on each of
 * the in-memory fake, SQLite and PostgreSQL — and drives the examples' policies and evidence.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative, sep } from 'node:path';
import { sql } from 'kysely';
import { afterAll, afterEach } from 'vitest';
import {
  attachEvidence,
  controlRollout,
  executeTransition,
  GateResultCache,
  recordApproval,
  registerModel,
  registerPolicy,
  registerVersion,
  requestTransition,
} from '../../src/app/index.js';
import type { AppDeps } from '../../src/app/shared/app-deps.js';
import type { BlobStore, Store } from '../../src/app/shared/ports.js';
import type { AuditEntry } from '../../src/audit/index.js';
import { apiTokenIssuer } from '../../src/auth/index.js';
import type { Lineage, Principal, RiskTier } from '../../src/domain/index.js';
import { FileBlobStore } from '../../src/evidence/file-blob-store.js';
import { InProcessGateRunner } from '../../src/gate-runs/index.js';
import { createStore, openDialect, type StoreConfig } from '../../src/store/index.js';
import { type FixedClock, fixedClock, sequentialIds } from '../fakes/fixed-clock.js';
import { createInMemoryStore, type InMemoryStore } from '../fakes/in-memory-store.js';
import { createMemoryBlobStore, type MemoryBlobStore } from '../fakes/memory-blob-store.js';
import {
  describeEachEngine,
  type EngineName,
  freshPostgresDatabase,
  freshSqliteFile,
} from '../store/engines.js';

export const examplesDir = join(import.meta.dirname, '..', '..', 'examples');

export type StoreEngine = EngineName;

/** The use cases' dependencies on one store; what a test may do to the store behind its back. */
export interface StoreHarness {
  engine: StoreEngine;
  /** The database as the CLI's `--database` names it; undefined for the in-memory fake. */
  database?: string;
  deps: AppDeps;
  store: Store;
  blobs: BlobStore;
  clock: FixedClock;
  /** Overwrites a stored blob's bytes (a corrupted disk or a hand-edited file). */
  tamperBlob(digest: string, bytes: Uint8Array): Promise<void>;
  /** Rewrites a stored policy's text, bypassing the append-only guard. */
  tamperPolicy(digest: string, edit: (text: string) => string): Promise<void>;
}

/** On the in-memory fake only, with its snapshot and `tamper` hooks. */
export interface Harness extends StoreHarness {
  store: InMemoryStore;
  blobs: MemoryBlobStore;
}

export function harness(wrap: (store: InMemoryStore) => Store = (s) => s): Harness {
  const store = createInMemoryStore();
  const blobs = createMemoryBlobStore();
  const clock = fixedClock();
  const deps: AppDeps = {
    store: wrap(store),
    blobs,
    gateRunner: new InProcessGateRunner(blobs),
    gateResults: new GateResultCache(),
    clock,
    ids: sequentialIds(),
    tokens: apiTokenIssuer,
  };
  return {
    engine: 'memory',
    deps,
    store,
    blobs,
    clock,
    tamperBlob: async (digest, bytes) => blobs.tamper(digest, bytes),
    tamperPolicy: async (digest, edit) =>
      store.tamper((state) => {
        const stored = state.policies.get(digest);
        if (!stored) throw new Error(`policy ${digest} missing`);
        state.policies.set(digest, { ...stored, text: edit(stored.text) });
      }),
  };
}

/**
 * Runs a use-case suite once per store of `testEngines` (test/store/engines.ts; STYLE.md "Tests").
 * Each `open()` gives a store of its own — the in-memory fake, a fresh SQLite file, or a
 * PostgreSQL database cloned from the migrated template — with a file blob store in a temporary
 * directory; everything opened in a test is closed, dropped and deleted after it.
 */
export function forEachStore(
  title: string,
  suite: (open: () => Promise<StoreHarness>, engine: StoreEngine) => void,
): void {
  describeEachEngine(title, anyEngine, (engine, available) => {
    if (!available)
      return suite(() => Promise.reject(new Error(`${engine} is not available`)), engine);
    const cleanups: (() => Promise<void>)[] = [];
    // PostgreSQL databases are dropped together after the file: each DROP DATABASE waits for a
    // checkpoint, and drops at once share one where a drop per test paid one each (seconds
    // under load).
    const drops: (() => Promise<void>)[] = [];
    afterEach(async () => {
      // Close stores, then delete directories; one failure skips none.
      await settleAll(cleanups.splice(0).reverse(), false);
    });
    afterAll(() => settleAll(drops.splice(0), true));
    const open = async (): Promise<StoreHarness> => {
      if (engine === 'memory') return harness();
      return liveHarness(engine, { cleanups, drops });
    };
    suite(open, engine);
  });
}

const anyEngine = (_name: EngineName): _name is EngineName => true;

/**
 * Runs every clean-up, in order or (`atOnce`) eight at a time — a connection each, well inside
 * the server's connection limit — then fails with all that failed.
 */
async function settleAll(cleanups: (() => Promise<void>)[], atOnce: boolean): Promise<void> {
  const settle = (cleanup: () => Promise<void>) =>
    cleanup().then(
      () => undefined,
      (error: unknown) => error,
    );
  const results = [];
  const width = atOnce ? 8 : 1;
  for (let i = 0; i < cleanups.length; i += width)
    results.push(...(await Promise.all(cleanups.slice(i, i + width).map(settle))));
  const failed = results.filter((r) => r !== undefined);
  if (failed.length > 0) throw new AggregateError(failed, 'store clean-up failed');
}

async function liveHarness(
  engine: 'sqlite' | 'postgres',
  { cleanups, drops }: { cleanups: (() => Promise<void>)[]; drops: (() => Promise<void>)[] },
): Promise<StoreHarness> {
  const dir = mkdtempSync(join(tmpdir(), 'clearance-app-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  let config: StoreConfig;
  if (engine === 'sqlite') {
    config = { engine: 'sqlite', file: join(dir, 'clearance.db') };
    await freshSqliteFile(config.file);
  } else {
    const database = await freshPostgresDatabase();
    drops.push(() => database.drop());
    config = { engine: 'postgres', url: database.url };
  }
  const store = await createStore(config);
  cleanups.push(() => store.close());
  const blobRoot = join(dir, 'blobs');
  const blobs = new FileBlobStore(blobRoot);
  const clock = fixedClock();
  const deps: AppDeps = {
    store,
    blobs,
    gateRunner: new InProcessGateRunner(blobs),
    gateResults: new GateResultCache(),
    clock,
    ids: sequentialIds(),
    tokens: apiTokenIssuer,
  };
  return {
    engine,
    database: config.engine === 'sqlite' ? `sqlite:${config.file}` : config.url,
    deps,
    store,
    blobs,
    clock,
    tamperBlob: async (digest, bytes) => {
      const hex = digest.replace(/^sha256:/, '');
      const path = join(blobRoot, 'sha256', hex.slice(0, 2), hex.slice(2, 4), hex);
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, bytes);
    },
    tamperPolicy: async (digest, edit) => {
      const dialect = openDialect(config);
      try {
        for (const statement of dialect.dropAppendOnlyStatements('policies'))
          await sql.raw(statement).execute(dialect.db);
        const row = await sql<{ text: string }>`select text from policies where digest = ${digest}`
          .execute(dialect.db)
          .then((r) => r.rows[0]);
        if (!row) throw new Error(`policy ${digest} missing`);
        await sql`update policies set text = ${edit(row.text)} where digest = ${digest}`.execute(
          dialect.db,
        );
      } finally {
        await dialect.destroy();
      }
    },
  };
}

export function person(id: string, ...roles: string[]): Principal {
  return { id, kind: 'user', roles: roles.map((role) => ({ role })) };
}

export const people = {
  admin: person('alice.admin', 'admin'),
  ci: person('ci.pipeline', 'mlops'),
  mlops: person('max.mlops', 'mlops'),
  owner: person('olga.owner', 'model_owner'),
  owner2: person('otto.owner', 'model_owner'),
  risk: person('rob.risk', 'risk_officer'),
  risk2: person('rae.risk', 'risk_officer'),
  compliance: person('cora.compliance', 'compliance_officer'),
  tech: person('tess.tech', 'tech_lead'),
  product: person('pia.product', 'product_owner'),
  clinician: person('dr.senior', 'senior_clinician'),
  breakGlass: person('bob.breakglass', 'break_glass'),
};

/** Every file under the example directory, sub-folders (`robustness/`) included, by relative path. */
export function evidenceFiles(dir: string) {
  const root = join(examplesDir, dir);
  return readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(root, join(entry.parentPath, entry.name)).split(sep).join('/'))
    .sort()
    .map((path) => ({ path, bytes: new Uint8Array(readFileSync(join(root, path))) }));
}

function lineageOf(dir: string): Lineage {
  try {
    return JSON.parse(readFileSync(join(examplesDir, dir, 'lineage.json'), 'utf8')) as Lineage;
  } catch {
    return {};
  }
}

/** Registers the example's policy and a model governed by it. */
export async function setupModel(
  h: StoreHarness,
  example: string,
  name: string,
  riskTier: RiskTier,
) {
  const text = readFileSync(join(examplesDir, example, 'policy.yaml'), 'utf8');
  const policy = await registerPolicy(h.deps, people.admin, {
    text,
    file: `${example}/policy.yaml`,
  });
  await registerModel(h.deps, people.admin, {
    name,
    ownerTeam: 'ml-platform',
    riskTier,
    policyDigest: policy.digest,
  });
  return policy;
}

/** Registers a version (lineage from the directory) and attaches every file in it, and `extra`. */
export async function addVersion(
  h: StoreHarness,
  input: {
    model: string;
    version: string;
    dir: string;
    by?: Principal;
    extra?: { path: string; bytes: Uint8Array }[];
  },
) {
  const by = input.by ?? people.ci;
  const artifactDigest = `sha256:${createHash('sha256').update(input.version).digest('hex')}`;
  await registerVersion(h.deps, by, {
    model: input.model,
    version: input.version,
    artifactUri: `s3://models/${input.model}/${input.version}`,
    artifactDigest,
    lineage: lineageOf(input.dir),
  });
  await attachEvidence(h.deps, by, {
    model: input.model,
    version: input.version,
    files: [...evidenceFiles(input.dir), ...(input.extra ?? [])],
  });
}

/** Puts a version in production directly, as an import of what served before Clearance. */
export async function seedProduction(h: StoreHarness, model: string, version: string) {
  const since = h.clock.now().toISOString();
  await h.deps.store.transaction(async (tx) => {
    await tx.versions.setState({ model, version, state: 'production', since });
    await tx.serving.set({ model, production: { version, since } });
  });
}

/**
 * Executes a request and, when its policy starts a canary, promotes the canary at once (an
 * admin's promote-now): for tests about what happens once a version is fully in production.
 */
export async function executeFully(h: StoreHarness, by: Principal, requestId: string) {
  const done = await executeTransition(h.deps, by, { requestId });
  if (!done.rollout) return done;
  await controlRollout(h.deps, people.admin, { rolloutId: done.rollout.id, action: 'promote' });
  const serving = await h.store.read((tx) => tx.serving.get(done.request.model));
  const demoted = serving.rollbackTarget?.version;
  return { ...done, ...(demoted !== undefined ? { demoted } : {}) };
}

/** draft → staging with a tech-lead approval. */
export async function toStaging(h: StoreHarness, model: string, version: string) {
  const { request } = await requestTransition(h.deps, people.owner, {
    model,
    version,
    to: 'staging',
    reason: 'Ready for validation',
  });
  await recordApproval(h.deps, people.tech, {
    requestId: request.id,
    role: 'tech_lead',
    decision: 'approve',
    comment: 'Training set-up reviewed',
    riskClass: 'low',
  });
  return executeTransition(h.deps, people.owner, { requestId: request.id });
}

/** The recommender example's production sign-offs: the model owner and the product owner. */
export async function approveRecommenderPromotion(h: StoreHarness, requestId: string) {
  for (const [who, role] of [
    [people.owner, 'model_owner'],
    [people.product, 'product_owner'],
  ] as const) {
    await recordApproval(h.deps, who, {
      requestId,
      role,
      decision: 'approve',
      comment: 'Reviewed',
      riskClass: 'low',
    });
  }
}

/**
 * The named sign-off an emergency needs before it executes (ADR 011): by default the credit-risk
 * example's on-call risk officer. Bypassing gates never bypasses it.
 */
export async function signOffEmergency(
  h: Pick<StoreHarness, 'deps'>,
  requestId: string,
  signer: { by: Principal; role: string; ticket?: string } = {
    by: people.risk,
    role: 'risk_officer',
    ticket: 'RISK-911',
  },
) {
  return recordApproval(h.deps, signer.by, {
    requestId,
    role: signer.role,
    decision: 'approve',
    comment: 'On call: the hotfix is needed now',
    ...(signer.ticket !== undefined ? { ticket: signer.ticket } : {}),
    riskClass: 'high',
  });
}

/** The credit-risk hotfix of the worked examples, requested as an emergency. */
export const creditRiskHotfix = {
  model: 'credit-risk-pd',
  version: '2026.1-hotfix1',
  to: 'production',
  changeType: 'emergency' as const,
  reason: 'Scorecard mis-scores self-employed applicants; hotfix now',
  ticket: 'RISK-911',
};

/**
 * The credit-risk worked example up to a promotion: 2026.1 in production (imported), 2026.2
 * promoted over it through staging with the model owner's, risk officer's and compliance
 * officer's sign-offs (`comments` per role, default "Reviewed").
 */
export async function promoteCreditRisk(
  h: StoreHarness,
  options: { model?: string; ticket?: string; comments?: Record<string, string> } = {},
) {
  const model = options.model ?? 'credit-risk-pd';
  const ticket = options.ticket ?? 'RISK-3';
  await setupModel(h, 'credit-risk', model, 'regulated');
  await addVersion(h, { model, version: '2026.1', dir: 'credit-risk/baseline' });
  await seedProduction(h, model, '2026.1');
  return promoteStandard(h, {
    model,
    version: '2026.2',
    ticket,
    ...(options.comments ? { comments: options.comments } : {}),
  });
}

/**
 * A passing credit-risk version registered, moved to staging and promoted to production by the
 * standard path, with the model owner's, risk officer's and compliance officer's sign-offs.
 */
export async function promoteStandard(
  h: StoreHarness,
  input: { model: string; version: string; ticket: string; comments?: Record<string, string> },
) {
  const { model, version, ticket } = input;
  await addVersion(h, { model, version, dir: 'credit-risk/candidates/passing' });
  await toStaging(h, model, version);
  const { request } = await requestTransition(h.deps, people.mlops, {
    model,
    version,
    to: 'production',
    reason: 'Quarterly refresh',
    ticket,
  });
  for (const [who, role] of [
    [people.owner, 'model_owner'],
    [people.risk, 'risk_officer'],
    [people.compliance, 'compliance_officer'],
  ] as const) {
    await recordApproval(h.deps, who, {
      requestId: request.id,
      role,
      decision: 'approve',
      comment: input.comments?.[role] ?? 'Reviewed',
      ticket,
      riskClass: 'medium',
    });
  }
  return executeTransition(h.deps, people.mlops, { requestId: request.id });
}

/** The fake's audit log. */
function auditLog(h: Harness): AuditEntry[] {
  return h.store.snapshot().audit;
}

export function actions(h: Harness): string[] {
  return auditLog(h).map((e) => e.action);
}

/** The whole audit log, read through the Store port (the same on every engine). */
export async function readAudit(h: StoreHarness): Promise<AuditEntry[]> {
  return h.store.transaction(async (tx) => {
    const entries: AuditEntry[] = [];
    for await (const logged of tx.audit.entries(0, await tx.audit.size()))
      entries.push(logged.entry);
    return entries;
  });
}

/** The stored leaf hash of every audit entry, in order. */
export async function leafHashes(h: StoreHarness): Promise<Uint8Array[]> {
  return h.store.transaction(async (tx) => tx.audit.leafHashes(0, await tx.audit.size()));
}

export async function readActions(h: StoreHarness): Promise<string[]> {
  return (await readAudit(h)).map((e) => e.action);
}

export async function refusal(
  promise: Promise<unknown>,
): Promise<{ code: string; message: string }> {
  try {
    await promise;
  } catch (error) {
    const e = error as { code?: string; message: string };
    return { code: e.code ?? 'plain-error', message: e.message };
  }
  throw new Error('expected a refusal');
}

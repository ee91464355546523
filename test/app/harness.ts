/** Builds the use cases' dependencies on fakes and drives the examples' policies and evidence. */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AppDeps } from '../../src/app/app-deps.js';
import {
  attachEvidence,
  executeTransition,
  recordApproval,
  registerModel,
  registerPolicy,
  registerVersion,
  requestTransition,
} from '../../src/app/index.js';
import type { Store } from '../../src/app/ports.js';
import type { AuditEntry } from '../../src/audit/index.js';
import { apiTokenIssuer } from '../../src/auth/index.js';
import type { Lineage, Principal, RiskTier } from '../../src/domain/index.js';
import { StoredEvidenceLoader } from '../../src/evidence/stored-evidence-loader.js';
import { type FixedClock, fixedClock, sequentialIds } from '../fakes/fixed-clock.js';
import { createInMemoryStore, type InMemoryStore } from '../fakes/in-memory-store.js';
import { createMemoryBlobStore, type MemoryBlobStore } from '../fakes/memory-blob-store.js';

export const examplesDir = join(import.meta.dirname, '..', '..', 'examples');

export interface Harness {
  deps: AppDeps;
  store: InMemoryStore;
  blobs: MemoryBlobStore;
  clock: FixedClock;
}

export function harness(wrap: (store: InMemoryStore) => Store = (s) => s): Harness {
  const store = createInMemoryStore();
  const blobs = createMemoryBlobStore();
  const clock = fixedClock();
  const deps: AppDeps = {
    store: wrap(store),
    blobs,
    evidenceLoader: new StoredEvidenceLoader(blobs),
    clock,
    ids: sequentialIds(),
    tokens: apiTokenIssuer,
  };
  return { deps, store, blobs, clock };
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

export function evidenceFiles(dir: string) {
  const root = join(examplesDir, dir);
  return readdirSync(root)
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
export async function setupModel(h: Harness, example: string, name: string, riskTier: RiskTier) {
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

/** Registers a version (lineage from the directory) and attaches every file in it. */
export async function addVersion(
  h: Harness,
  input: { model: string; version: string; dir: string; by?: Principal },
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
    files: evidenceFiles(input.dir),
  });
}

/** Puts a version in production directly, as an import of what served before Clearance. */
export async function seedProduction(h: Harness, model: string, version: string) {
  const since = h.clock.now().toISOString();
  await h.store.transaction(async (tx) => {
    await tx.versions.setState({ model, version, state: 'production', since });
    await tx.serving.set({ model, production: { version, since } });
  });
}

/** draft → staging with a tech-lead approval. */
export async function toStaging(h: Harness, model: string, version: string) {
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

export function auditLog(h: Harness): AuditEntry[] {
  return h.store.snapshot().audit;
}

export function actions(h: Harness): string[] {
  return auditLog(h).map((e) => e.action);
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

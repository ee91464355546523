/** Record builders for the store contract suite; names are unique so tests share a database. */
import { createHash, randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { AuditEntryInput, Repositories } from '../../src/app/shared/ports.js';
import type {
  Approval,
  DecisionRecord,
  EvidenceRecord,
  Model,
  PolicyRecord,
  TransitionRequest,
  Version,
  VersionState,
} from '../../src/domain/index.js';
import type { Database } from '../../src/store/schema.js';

export const at = '2026-03-01T10:00:00.000Z';
export const later = '2026-03-02T11:30:00.125Z';

export function unique(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

export function digestOf(text: string): string {
  return `sha256:${createHash('sha256').update(text).digest('hex')}`;
}

export function policy(name = unique('policy')): PolicyRecord {
  return {
    digest: digestOf(name),
    name,
    text: `metadata: { name: ${name} }\n`,
    registeredAt: at,
    registeredBy: 'alice',
  };
}

export function model(policyDigest: string, name = unique('model')): Model {
  return {
    name,
    ownerTeam: 'risk-ml',
    riskTier: 'regulated',
    policyDigest,
    createdAt: at,
    createdBy: 'alice',
  };
}

export function version(modelName: string, name = unique('v')): Version {
  return {
    model: modelName,
    version: name,
    artifactUri: `s3://models/${modelName}/${name}`,
    artifactDigest: digestOf(name),
    lineage: { codeCommit: 'abc123', seed: 42, nested: { a: [1, 2] } },
    createdAt: at,
    createdBy: 'alice',
  };
}

export function draft(v: Version): VersionState {
  return { model: v.model, version: v.version, state: 'draft', since: at };
}

export function evidence(v: Version, path: string): EvidenceRecord {
  return {
    model: v.model,
    version: v.version,
    kind: 'metrics',
    path,
    digest: digestOf(path),
    size: 5_000_000_000,
    mediaType: 'application/json',
    attachedAt: at,
    attachedBy: 'ci',
  };
}

export function request(v: Version, overrides: Partial<TransitionRequest> = {}): TransitionRequest {
  return {
    id: unique('req'),
    model: v.model,
    version: v.version,
    from: 'draft',
    to: 'staging',
    changeType: 'standard',
    reason: 'ready for staging',
    requestedBy: 'bob',
    requestedAt: at,
    status: 'pending',
    policyDigest: digestOf('policy'),
    evidenceDigest: digestOf('evidence'),
    ...overrides,
  };
}

export function approval(requestId: string, approver: string, when = at): Approval {
  return {
    id: unique('appr'),
    requestId,
    approver,
    role: 'tech_lead',
    decision: 'approve',
    comment: 'looks good',
    riskClass: 'low',
    evidenceDigest: digestOf('evidence'),
    policyDigest: digestOf('policy'),
    at: when,
  };
}

export function decision(v: Version, kind: DecisionRecord['kind']): DecisionRecord {
  return {
    id: unique('dec'),
    kind,
    model: v.model,
    version: v.version,
    from: 'draft',
    to: 'staging',
    changeType: 'standard',
    policyDigest: digestOf('policy'),
    evidenceDigest: digestOf('evidence'),
    evidence: [{ kind: 'metrics', path: 'metrics.json', digest: digestOf('m'), size: 12 }],
    bypass: [],
    approvalsCounted: [],
    gates: [
      {
        gateId: 'auc',
        type: 'metric',
        outcome: 'pass',
        observed: 0.81,
        threshold: '>= 0.75',
        explanation: 'AUC 0.81 is at least 0.75.',
        details: { auc: 0.81 },
      },
    ],
    outcome: 'allowed',
    reasons: [],
    at,
  };
}

export function auditInput(subject: string, action = 'transition.requested'): AuditEntryInput {
  return {
    time: at,
    actor: { id: 'bob', kind: 'user' },
    action,
    subject: { type: 'model', id: subject },
    reason: 'contract test',
    digests: { policy: digestOf('policy') },
    data: { n: 1 },
  };
}

/** A policy, a model and one draft version, committed. */
export async function seedVersion(tx: Repositories): Promise<{ model: Model; version: Version }> {
  const p = policy();
  await tx.policies.insert(p);
  const m = model(p.digest);
  await tx.models.insert(m);
  const v = version(m.name);
  await tx.versions.insert(v, draft(v));
  return { model: m, version: v };
}

/**
 * A policy row and one model row per entry of `models`, straight into the tables of `db`, all of
 * one new team: `<team>-<suffix>` each. For statement-level tests that need rows, not use cases.
 */
export async function insertTeamModels(
  db: Kysely<Database>,
  models: readonly { suffix: string; riskTier: string; description?: string | null }[],
): Promise<{ team: string; digest: string }> {
  const team = unique('team');
  const digest = unique('sha256:policy');
  await db
    .insertInto('policies')
    .values({
      digest,
      name: 'p',
      text: 't',
      registered_at: '2026-01-01T00:00:00.000Z',
      registered_by: 'a',
    })
    .execute();
  await db
    .insertInto('models')
    .values(
      models.map((m) => ({
        name: `${team}-${m.suffix}`,
        owner_team: team,
        risk_tier: m.riskTier,
        policy_digest: digest,
        ...(m.description === undefined ? {} : { description: m.description }),
        created_at: '2026-01-01T00:00:00.000Z',
        created_by: 'a',
      })),
    )
    .execute();
  return { team, digest };
}

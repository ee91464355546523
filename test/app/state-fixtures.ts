/** A registry built through the use cases on a test engine, and raw edits behind its back. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import {
  cancelRequest,
  executeTransition,
  importProduction,
  recordApproval,
  recordReview,
  requestTransition,
  rollback,
} from '../../src/app/index.js';
import type { AppDeps } from '../../src/app/shared/app-deps.js';
import { apiTokenIssuer } from '../../src/auth/index.js';
import { ClearanceError } from '../../src/domain/index.js';
import { FileBlobStore } from '../../src/evidence/file-blob-store.js';
import { InProcessGateRunner } from '../../src/gate-runs/index.js';
import type { StoreDialect } from '../../src/store/index.js';
import { fixedClock, sequentialIds } from '../fakes/fixed-clock.js';
import type { TestEngine } from '../store/engines.js';
import {
  addVersion,
  people,
  type StoreHarness,
  setupModel,
  signOffEmergency,
  toStaging,
} from './harness.js';

export async function openHarness(engine: TestEngine): Promise<StoreHarness> {
  const store = await engine.openStore();
  const blobs = new FileBlobStore(mkdtempSync(join(tmpdir(), 'clearance-state-')));
  const clock = fixedClock();
  const deps: AppDeps = {
    store,
    blobs,
    gateRunner: new InProcessGateRunner(blobs),
    clock,
    // Ids unique across the tests of one file (they share the database).
    ids: {
      next: (() => {
        const inner = sequentialIds();
        const tag = Math.random().toString(36).slice(2, 8);
        return () => `${tag}-${inner.next()}`;
      })(),
    },
    tokens: apiTokenIssuer,
  };
  const unsupported = async () => {
    throw new Error('not used here');
  };
  return {
    engine: engine.name,
    deps,
    store,
    blobs,
    clock,
    tamperBlob: unsupported,
    tamperPolicy: unsupported,
  };
}

/** Runs raw statements with the append-only triggers of `tables` out of the way. */
export async function behindTheService(
  dialect: StoreDialect,
  tables: readonly string[],
  edit: (db: StoreDialect['db']) => Promise<void>,
): Promise<void> {
  for (const table of tables)
    for (const s of dialect.dropAppendOnlyStatements(table)) await sql.raw(s).execute(dialect.db);
  try {
    await edit(dialect.db);
  } finally {
    for (const table of tables)
      for (const s of dialect.appendOnlyStatements(table)) await sql.raw(s).execute(dialect.db);
    for (const s of dialect.fireAlwaysStatements()) await sql.raw(s).execute(dialect.db);
  }
}

/**
 * 2026.1 imported into production, 2026.2 promoted over it with three sign-offs, an emergency
 * hotfix over that with its post-incident review, a cancelled request, a rollback to 2026.2, and 2026.3 waiting for its tech-lead approval to staging.
 */
export async function workedRegistry(h: StoreHarness, model: string) {
  await setupModel(h, 'credit-risk', model, 'regulated');
  await addVersion(h, { model, version: '2026.1', dir: 'credit-risk/baseline' });
  await importProduction(h.deps, people.admin, {
    model,
    version: '2026.1',
    reason: 'Served before Clearance',
    ticket: 'RISK-1',
  });
  await addVersion(h, { model, version: '2026.2', dir: 'credit-risk/candidates/passing' });
  h.clock.advance(60_000);
  await toStaging(h, model, '2026.2');
  const promotion = await requestTransition(h.deps, people.mlops, {
    model,
    version: '2026.2',
    to: 'production',
    reason: 'Quarterly refresh',
    ticket: 'RISK-3',
  });
  for (const [who, role] of [
    [people.owner, 'model_owner'],
    [people.risk, 'risk_officer'],
    [people.compliance, 'compliance_officer'],
  ] as const) {
    await recordApproval(h.deps, who, {
      requestId: promotion.request.id,
      role,
      decision: 'approve',
      comment: 'Reviewed',
      ticket: 'RISK-3',
      riskClass: 'medium',
    });
  }
  h.clock.advance(60_000);
  await executeTransition(h.deps, people.mlops, { requestId: promotion.request.id });
  // An emergency hotfix over 2026.2: an on-call sign-off, then its post-incident review.
  await addVersion(h, { model, version: 'hotfix', dir: 'credit-risk/candidates/hotfix' });
  await toStaging(h, model, 'hotfix');
  const hot = await requestTransition(h.deps, people.breakGlass, {
    model,
    version: 'hotfix',
    to: 'production',
    changeType: 'emergency',
    reason: 'Hotfix now',
    ticket: 'RISK-911',
  });
  await signOffEmergency(h, hot.request.id, {
    by: people.risk2,
    role: 'risk_officer',
    ticket: 'RISK-911',
  });
  await executeTransition(h.deps, people.breakGlass, { requestId: hot.request.id });
  await recordReview(h.deps, people.risk, {
    requestId: hot.request.id,
    role: 'risk_officer',
    decision: 'approve',
    comment: 'Post-incident review done',
    ticket: 'RISK-911',
    riskClass: 'high',
  });
  await addVersion(h, { model, version: '2026.3', dir: 'credit-risk/candidates/passing' });
  const withdrawn = await requestTransition(h.deps, people.owner, {
    model,
    version: '2026.3',
    to: 'staging',
    reason: 'Too early',
  });
  await cancelRequest(h.deps, people.owner, { requestId: withdrawn.request.id, reason: 'Oops' });
  h.clock.advance(60_000);
  await rollback(h.deps, people.mlops, { model, reason: 'CTR dropped', ticket: 'INC-1' });
  await rollback(h.deps, people.mlops, { model, reason: 'Back again', ticket: 'INC-2' }).catch(
    (error: unknown) => {
      // No target is left after a rollback: refused, nothing changed.
      if (!(error instanceof ClearanceError)) throw error;
    },
  );
  const open = await requestTransition(h.deps, people.owner, {
    model,
    version: '2026.3',
    to: 'staging',
    reason: 'Ready for validation',
  });
  return { open: open.request };
}

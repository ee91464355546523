/**
 * The registry opened directly (database + data directory, through compose like the server).
 * Whoever runs the CLI with the database credentials acts as the operator `system:cli`, so the
 * audit log records these as operator actions rather than as any user's. A thin adapter over the
 * app's UseCases (the same the HTTP routes call) as the operator, which keeps the app's rules in
 * force; only what needs the files of the host (the log verified and exported from the store, the
 * pack as files) calls the app's functions directly.
 */
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import {
  bindUseCases,
  buildEvidencePack,
  signAuditCheckpoint,
  verifyStoredLog,
} from '../../app/index.js';
import { formatExportEntry, formatExportHeader } from '../../audit/index.js';
import { openRegistry, type Registry } from '../../compose.js';
import { loadConfig } from '../../config.js';
import type { Principal } from '../../domain/index.js';
import { createProgress } from '../progress.js';
import type { AuditExport, CliRegistry } from './cli-registry.js';

/** The operator at the database: a global admin and auditor, recorded as `system:cli`. */
const operator: Principal = {
  id: 'system:cli',
  kind: 'system',
  roles: [{ role: 'admin' }, { role: 'auditor' }],
};

export interface DatabaseFlags {
  database?: string;
  dataDir?: string;
}

/** Opens the registry from the flags and config; the caller closes it. */
export function openRegistryAt(flags: DatabaseFlags): Promise<Registry> {
  return openRegistry(loadConfig({ flags: { database: flags.database, dataDir: flags.dataDir } }));
}

/** Writes the export, signing a fresh checkpoint first if the log grew. */
async function exportLog(r: Registry, file: string): Promise<AuditExport> {
  const { checkpoint } = await signAuditCheckpoint(r.deps, r.auditSigner);
  const size = checkpoint.size;
  const notes = await r.store.transaction(async (tx) =>
    (await tx.checkpoints.list()).filter((c) => c.size <= size).map((c) => c.note),
  );
  const out = createWriteStream(file, { flags: 'w' });
  const write = async (line: string) => {
    if (!out.write(`${line}\n`)) await once(out, 'drain');
  };
  const progress = createProgress('exporting audit log');
  try {
    await write(
      formatExportHeader({
        origin: r.auditSigner.origin,
        size,
        exportedAt: r.deps.clock.now().toISOString(),
        verifierKeys: [r.verifierKey],
        checkpoints: notes,
      }),
    );
    const chunk = 5000;
    for (let start = 0; start < size; start += chunk) {
      const lines = await r.store.transaction(async (tx) => {
        const page: string[] = [];
        for await (const logged of tx.audit.entries(start, Math.min(size, start + chunk)))
          page.push(formatExportEntry(logged));
        return page;
      });
      for (const line of lines) await write(line);
      progress.update(Math.min(size, start + chunk), size);
    }
  } finally {
    progress.finish();
    out.end();
    await once(out, 'close');
  }
  return { size, entries: size, checkpoints: notes.length };
}

export async function openLocalRegistry(flags: DatabaseFlags): Promise<CliRegistry> {
  const r = await openRegistryAt(flags);
  const { deps } = r;
  const log = r.auditSigner;
  const app = bindUseCases(deps, log);
  return {
    server: undefined,
    close: () => r.close(),
    registerModel: (input) => app.registerModel(operator, input),
    listModels: () => app.listModels(operator),
    serving: (model) => app.serving(operator, model),
    history: (input) => app.modelHistory(operator, input),
    registerVersion: (input) => app.registerVersion(operator, input),
    importProduction: (input) => app.importProduction(operator, input),
    attachEvidence: (input) => app.attachEvidence(operator, input),
    requestTransition: (input) => app.requestTransition(operator, input),
    recordApproval: (input) => app.recordApproval(operator, input),
    executeTransition: (requestId) => app.executeTransition(operator, { requestId }),
    cancelRequest: (input) => app.cancelRequest(operator, input),
    rollback: (input) => app.rollback(operator, input),
    inbox: () => app.inbox(operator),
    recordReview: (input) => app.recordReview(operator, input),
    listReviews: (status) => app.listReviews(operator, { status }),
    getRollout: (rolloutId) => app.getRollout(operator, { rolloutId }),
    listRollouts: ({ status, model }) =>
      app.listRollouts(operator, {
        ...(status === undefined ? {} : { status: [status] }),
        ...(model === undefined ? {} : { model }),
      }),
    postObservations: (input) => app.postObservations(operator, input),
    controlRollout: (input) => app.controlRollout(operator, input),
    replayDecision: (decisionId) => app.replayDecision(operator, decisionId),
    backtest: ({ policyText, policyFile, model, since }) =>
      app.backtestPolicy(operator, {
        policy: policyText,
        file: policyFile,
        ...(model === undefined ? {} : { model }),
        // The instant the caller resolved, as the API receives it.
        ...(since === undefined ? {} : { since: since.toISOString() }),
      }),
    async verifyAuditLog(input) {
      const report = await verifyStoredLog(deps, {
        log,
        ...(input.since === undefined ? {} : { since: input.since }),
        onProgress: (p, total) => input.progress.update(p.entries, total),
      }).finally(() => input.progress.finish());
      return { where: 'database', report };
    },
    auditState: () => app.auditState(operator),
    inclusionProof: (input) => app.inclusionProof(operator, input),
    checkpointNotes: async () => (await app.checkpoints(operator)).checkpoints.map((c) => c.note),
    signCheckpoint: () => app.signCheckpoint(operator),
    exportAuditLog: (file) => exportLog(r, file),
    evidencePack: async (input) => ({
      pack: await buildEvidencePack(deps, operator, {
        ...input,
        log: { origin: log.origin, verifierKey: r.verifierKey },
      }),
    }),
    createUser: (input) => app.createUser(operator, input),
    async changeRole({ change, ...input }) {
      if (change === 'grant') await app.grantRole(operator, input);
      else await app.revokeRole(operator, input);
    },
    createToken: (input) => app.createToken(operator, input),
    revokeToken: (id) => app.revokeToken(operator, { id }),
  };
}

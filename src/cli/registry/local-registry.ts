/**
 * The registry opened directly (database + data directory, through compose like the server).
 * Whoever runs the CLI with the database credentials acts as the operator `system:cli`, so the
 * audit log records these as operator actions rather than as any user's. A thin adapter: every
 * method is one app use case called as the operator, which keeps the app's rules in force.
 */
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import {
  attachEvidence,
  backtestPolicy,
  buildEvidencePack,
  cancelRequest,
  checkpointView,
  checkStoredState,
  createToken,
  createUser,
  executeTransition,
  getServing,
  grantRole,
  guardedRead,
  importProduction,
  inclusionProofFor,
  listCheckpoints,
  listInbox,
  modelHistory,
  recordApproval,
  registerModelWithPolicy,
  registerVersion,
  replayDecision,
  requestTransition,
  revokeRole,
  revokeToken,
  rollback,
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
  return {
    server: undefined,
    close: () => r.close(),
    registerModel: (input) =>
      registerModelWithPolicy(deps, operator, {
        name: input.name,
        ownerTeam: input.ownerTeam,
        policyText: input.policyText,
        ...(input.description ? { description: input.description } : {}),
      }),
    listModels: () =>
      guardedRead(
        deps,
        {
          principal: operator,
          action: 'model.list',
          subject: { type: 'registry', id: 'model.list' },
          what: 'the model list',
        },
        () => deps.store.read((tx) => tx.models.list()),
      ),
    serving: (model) => getServing(deps, { model }),
    history: (input) => modelHistory(deps, operator, input),
    registerVersion: (input) => registerVersion(deps, operator, input),
    importProduction: (input) => importProduction(deps, operator, input),
    attachEvidence: ({ path, bytes, ...version }) =>
      attachEvidence(deps, operator, { ...version, files: [{ path, bytes }] }),
    requestTransition: (input) => requestTransition(deps, operator, input),
    recordApproval: (input) => recordApproval(deps, operator, input),
    executeTransition: (requestId) => executeTransition(deps, operator, { requestId }),
    cancelRequest: (input) => cancelRequest(deps, operator, input),
    rollback: (input) => rollback(deps, operator, input),
    inbox: () => listInbox(deps, operator),
    replayDecision: (decisionId) => replayDecision(deps, { decisionId }),
    backtest: (input) => backtestPolicy(deps, operator, input),
    async verifyAuditLog(input) {
      const report = await verifyStoredLog(deps, {
        log,
        ...(input.since === undefined ? {} : { since: input.since }),
        onProgress: (p, total) => input.progress.update(p.entries, total),
      }).finally(() => input.progress.finish());
      return { where: 'database', report };
    },
    auditState: () => checkStoredState(deps),
    inclusionProof: (input) => inclusionProofFor(deps, { ...input, log }),
    checkpointNotes: async () => (await listCheckpoints(deps, log)).map((c) => c.note),
    async signCheckpoint() {
      const signed = await signAuditCheckpoint(deps, log, { principal: operator });
      return { signed: signed.signed, checkpoint: checkpointView(signed.checkpoint, log) };
    },
    exportAuditLog: (file) => exportLog(r, file),
    evidencePack: async (input) => ({
      pack: await buildEvidencePack(deps, operator, {
        ...input,
        log: { origin: log.origin, verifierKey: r.verifierKey },
      }),
    }),
    createUser: (input) => createUser(deps, operator, input),
    async changeRole({ change, ...input }) {
      if (change === 'grant') await grantRole(deps, operator, input);
      else await revokeRole(deps, operator, input);
    },
    createToken: (input) => createToken(deps, operator, input),
    revokeToken: (id) => revokeToken(deps, operator, { id }),
  };
}

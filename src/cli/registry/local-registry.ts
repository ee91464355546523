/**
 * The registry opened directly (database + data directory, through compose like the server).
 * Whoever runs the CLI with the database credentials acts as the operator `system:cli`, so the
 * audit log records these as operator actions rather than as any user's. A thin adapter over the
 * app's UseCases (the same the HTTP routes call) as the operator, which keeps the app's rules in
 * force; only what needs the files of the host (the log verified from the store, the pack as
 * files) calls the app's functions directly, and the audit export's lines go to a file here.
 */
import { once } from 'node:events';
import { createWriteStream, existsSync } from 'node:fs';
import {
  type AuditExportSink,
  bindUseCases,
  buildEvidencePack,
  verifyStoredLog,
} from '../../app/index.js';
import { openRegistry, type Registry } from '../../compose.js';
import { type Config, loadConfig } from '../../config.js';
import { ClearanceError, type Principal } from '../../domain/index.js';
import { createProgress } from '../progress.js';
import type { AuditExport, CliRegistry } from './cli-registry.js';

/** The operator at the database: a global admin and auditor, recorded as `system:cli`. */
export const operator: Principal = {
  id: 'system:cli',
  kind: 'system',
  roles: [{ role: 'admin' }, { role: 'auditor' }],
};

export interface DatabaseFlags {
  database?: string;
  dataDir?: string;
}

/** Whether the database is there to open: a PostgreSQL one always counts (its server says). */
export function registryExists(config: Pick<Config, 'database'>): boolean {
  const { database } = config;
  if (!database.startsWith('sqlite:')) return true;
  const file = database.slice('sqlite:'.length);
  return file === ':memory:' || existsSync(file);
}

/**
 * Opening a SQLite file that is not there creates an empty registry (and a data directory with a
 * new signing key): a mistyped `--database` or `--data-dir` would then answer from that empty
 * registry — an empty log "verifies", a list is empty. Only the commands meant to start a
 * registry (`serve`, `admin bootstrap`, `import mlflow`; its `--dry-run` plans against a scratch
 * registry instead) may create one; every other is refused here, before anything is written.
 */
function assertRegistryExists(config: Pick<Config, 'database'>): void {
  if (registryExists(config)) return;
  const file = config.database.slice('sqlite:'.length);
  const message = `No registry database at ${file}: no such file.`;
  throw new ClearanceError('invalid_input', message, {
    problems: [
      {
        message,
        fix: 'Check the path in --database or --data-dir (or CLEARANCE_DATABASE / CLEARANCE_DATA_DIR); a new registry is started by clearance serve or clearance admin bootstrap.',
      },
    ],
  });
}

/**
 * Opens the registry from the flags and config; the caller closes it. A missing SQLite file is
 * refused unless `create` (assertRegistryExists).
 */
export function openRegistryAt(
  flags: DatabaseFlags,
  options: { create?: boolean } = {},
): Promise<Registry> {
  const config = loadConfig({ flags: { database: flags.database, dataDir: flags.dataDir } });
  if (options.create !== true) assertRegistryExists(config);
  return openRegistry(config);
}

/** Writes the app's export of the log to `file`, with a progress bar. */
async function writeExport(
  file: string,
  exportTo: (sink: AuditExportSink) => Promise<AuditExport>,
): Promise<AuditExport> {
  const out = createWriteStream(file, { flags: 'w' });
  const progress = createProgress('exporting audit log');
  try {
    return await exportTo({
      write: async (line) => {
        if (!out.write(`${line}\n`)) await once(out, 'drain');
      },
      progress: (exported, size) => progress.update(exported, size),
    });
  } finally {
    progress.finish();
    out.end();
    await once(out, 'close');
  }
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
    listVersions: (model) => app.listVersions(operator, model),
    version: (input) => app.getVersion(operator, input),
    listEvidence: (input) => app.listEvidence(operator, input),
    importProduction: (input) => app.importProduction(operator, input),
    attachEvidence: (input) => app.attachEvidence(operator, input),
    requestTransition: (input) => app.requestTransition(operator, input),
    recordApproval: (input) => app.recordApproval(operator, input),
    executeTransition: (requestId) => app.executeTransition(operator, { requestId }),
    cancelRequest: (input) => app.cancelRequest(operator, input),
    rollback: (input) => app.rollback(operator, input),
    inbox: () => app.inbox(operator),
    listRequests: (filter) => app.listRequests(operator, filter),
    request: (id) => app.getRequest(operator, id),
    decision: (id) => app.getDecision(operator, id),
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
    exportAuditLog: (file) => writeExport(file, (sink) => app.exportAuditLog(operator, sink)),
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
    setUserDisabled: ({ userId, disabled }) =>
      disabled
        ? app.disableUser(operator, { id: userId })
        : app.enableUser(operator, { id: userId }),
    createWebhook: (input) => app.createWebhook(operator, input),
    listWebhooks: () => app.listWebhooks(operator),
    getWebhook: (id) => app.getWebhook(operator, { id }),
    updateWebhook: (input) => app.updateWebhook(operator, input),
    rotateWebhookSecret: (id) => app.rotateWebhookSecret(operator, { id }),
    disableWebhook: (id) => app.disableWebhook(operator, { id }),
    deleteWebhook: (id) => app.deleteWebhook(operator, { id }),
    webhookDeliveries: (input) => app.listWebhookDeliveries(operator, input),
    redeliverWebhook: (input) => app.redeliverWebhook(operator, input),
    setUserEmail: (input) => app.setUserEmail(operator, input),
  };
}

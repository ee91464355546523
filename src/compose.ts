/**
 * The composition root: the only place that builds adapters. Everything is made from Config, so
 * the CLI, the server and the tests wire the same way. The wiring of each part (ids, store, blob
 * store, identity directory, notifications, audit signing key, scheduled jobs) is a helper in
 * `compose/`, which belongs to this root: other modules import this file, never those helpers.
 */
import type { FastifyServerOptions } from 'fastify';
import {
  accessDenialThrottle,
  bindClaimingUseCases,
  bindUseCases,
  checkStoredState,
  type StateCheck,
  type Store,
  sharedIdempotency,
  startAccessDenialFlush,
} from './app/index.js';
import { createOidcVerifier } from './auth/index.js';
import { appDeps, gateRunBudgets, uploadQuotaOf } from './compose/app-deps.js';
import { jobRunnerStats } from './compose/job-runner-stats.js';
import { kpiSourceOf } from './compose/kpi-source-of.js';
import { loadAuditSigner } from './compose/load-audit-signer.js';
import { assertNotificationTargets, notificationsOf } from './compose/notifications-of.js';
import { openBlobStore } from './compose/open-blob-store.js';
import type { Registry } from './compose/registry.js';
import { secureDataFiles, type Warn, warnOnStderr } from './compose/secure-data-files.js';
import { startScheduledJobs } from './compose/start-scheduled-jobs.js';
import { stateCheckLog } from './compose/state-check-log.js';
import { storeConfigFor } from './compose/store-config-for.js';
import { identityDirectoryOf } from './compose/store-directory.js';
import { type Config, governedAliases } from './config.js';
import { buildServer, findBuiltWebApp, type OidcSignIn } from './http/index.js';
import { createStore } from './store/index.js';

export { appDeps, gateRunBudgets } from './compose/app-deps.js';
export { collectBlobsWith } from './compose/collect-blobs-with.js';
export { kpiSourceOf } from './compose/kpi-source-of.js';
export { loadAuditSigner, rotateAuditSigningKey } from './compose/load-audit-signer.js';
export {
  assertNotificationTargets,
  notificationsOf,
  smtpConfigOf,
} from './compose/notifications-of.js';
export { openBlobStore } from './compose/open-blob-store.js';
export type { Registry } from './compose/registry.js';
export { secureDataFiles, type Warn } from './compose/secure-data-files.js';
export { scheduledJobsOf, startScheduledJobs } from './compose/start-scheduled-jobs.js';
export { storeConfigFor } from './compose/store-config-for.js';
export { identityDirectoryOf, storeDirectory } from './compose/store-directory.js';
export { systemClock, uuidV7 } from './compose/uuid-v7.js';
/** The CLI reaches adapters only through this module: `clearance webhook verify` checks with it. */
export { verifyWebhook } from './notify/index.js';

/**
 * Opens the store (running migrations) and builds the use cases' dependencies, after
 * `secureDataFiles` (whose warnings go to `warn`, as does the store's of triggers of ours that no
 * longer fire in every session).
 */
export async function openRegistry(
  config: Config,
  options: { warn?: Warn } = {},
): Promise<Registry> {
  secureDataFiles(config, options.warn);
  const auditSigner = loadAuditSigner(config);
  const blobStore = await openBlobStore(config);
  let store: Store;
  try {
    store = await createStore(storeConfigFor(config), { warn: options.warn ?? warnOnStderr });
  } catch (error) {
    blobStore.close();
    throw error;
  }
  const deps = appDeps(store, blobStore.blobs, gateRunBudgets(config), {
    quota: uploadQuotaOf(config),
    evidenceFilesPerVersion: config.maxEvidenceFilesPerVersion,
  });
  const directory = identityDirectoryOf(config, store);
  const notifications = notificationsOf(config);
  const kpiSource = kpiSourceOf(config);
  return {
    config,
    store,
    deps: {
      ...deps,
      notifications: notifications.settings,
      ...(kpiSource ? { kpiSource } : {}),
      mlflow: { governedAliases: governedAliases(config), publicUrl: config.publicUrl },
      mlflowLimits: {
        tagsPerModel: config.maxTagsPerRegisteredModel,
        tagsPerVersion: config.maxTagsPerModelVersion,
        aliasesPerModel: config.maxAliasesPerRegisteredModel,
      },
    },
    directory,
    auditSigner,
    verifierKey: auditSigner.verifierKey,
    async close() {
      notifications.close();
      await deps.gateRunner.close();
      await store.close();
      blobStore.close();
    },
  };
}

export interface RunningServer {
  url: string;
  close(): Promise<void>;
}

/**
 * Builds and starts the HTTP server over an open registry, with the job runner that runs the
 * scheduled jobs (`scheduledJobsOf`). `close` stops the runner (releasing its leases), drains
 * requests and closes the store.
 */
export async function startServer(
  registry: Registry,
  options: { logger?: FastifyServerOptions['logger'] } = {},
): Promise<RunningServer> {
  const { config } = registry;
  await assertNotificationTargets(registry);
  const oidc = config.oidcIssuer
    ? createOidcVerifier({
        issuer: config.oidcIssuer,
        audience: config.oidcAudience,
        rolesClaim: config.oidcRolesClaim,
      })
    : undefined;
  const idempotency = sharedIdempotency({
    store: registry.deps.store,
    clock: registry.deps.clock,
  });
  const windowMs = config.accessDeniedWindowSeconds * 1000;
  // The use cases write at most a bounded number of access.denied entries per caller and window;
  // a request with an Idempotency-Key acts through use cases of its own, over a store that claims
  // the key with its action.
  const deps = {
    ...registry.deps,
    denials: accessDenialThrottle({ windowMs, perPrincipal: config.accessDeniedPerPrincipal }),
    evidencePackDownloads: config.maxConcurrentEvidencePacks,
    evidencePackStallSeconds: config.evidencePackStallSeconds,
  };
  let latestCheck: StateCheck | undefined;
  const jobStats = jobRunnerStats(config.jobLeaseSeconds * 1000);
  const app = buildServer({
    useCases: bindUseCases(deps, registry.auditSigner),
    stateCheck: () => latestCheck,
    directory: registry.directory,
    ...(oidc ? { oidc, oidcIssuer: oidcSignIn(config) } : {}),
    bodyLimitBytes: config.bodyLimitBytes,
    authFailureLimit: {
      max: config.authFailureLimit,
      windowSeconds: config.authFailureWindowSeconds,
    },
    trustProxy: config.trustProxy,
    logger: options.logger ?? false,
    idempotency,
    keyedUseCases: (scope) =>
      bindClaimingUseCases({ ...deps, store: idempotency.claiming(deps.store, scope) }),
    gateRuns: () => registry.deps.gateRunner.stats(),
    jobs: jobStats.read,
    ...(registry.deps.store.writeStats === undefined
      ? {}
      : { writes: registry.deps.store.writeStats.bind(registry.deps.store) }),
    ...webRootOption(),
  });
  const logCheck = stateCheckLog(app);
  const onChecked = (check: StateCheck) => {
    latestCheck = check;
    logCheck(check);
  };
  // The state check at start is a start-up step of every server; the periodic one is a job.
  const checkedAtStart =
    config.stateCheckIntervalSeconds > 0
      ? checkStoredState(registry.deps).then(onChecked, (error: unknown) =>
          app.log.error({ err: error }, 'state check against the audit log failed'),
        )
      : Promise.resolve();
  const runner = await startScheduledJobs(registry, {
    onChecked,
    onCollected: (run) =>
      app.log.info(
        { blobs: run.blobs.length, bytes: run.bytes, abandonedWrites: run.abandonedWrites },
        'blobs collected',
      ),
    onExpired: (outcomes) => app.log.warn({ outcomes }, 'emergency changes expired'),
    onRequestsExpired: (outcomes) => app.log.info({ outcomes }, 'open requests expired'),
    onEvaluated: (outcomes) => {
      for (const { rolloutId, pullProblems } of outcomes) {
        if (pullProblems)
          app.log.warn({ rolloutId, pullProblems }, 'rollout KPIs could not be pulled');
      }
    },
    onPurged: (purged) => app.log.info(purged, 'finished jobs and settled events purged'),
    onEvent: (event) => {
      jobStats.record(event);
      if (event.type === 'retrying' || event.type === 'failed') {
        app.log.error({ err: event.error, job: event.job.key }, `job ${event.job.kind} failed`);
      }
    },
    onError: (error) => app.log.error({ err: error }, 'job runner poll failed'),
    onDelivery: (report) => {
      jobStats.recordDelivery(report);
      if (report.outcome === 'failed') app.log.warn(report, 'notification delivery failed');
    },
    onDisabled: (id) =>
      app.log.error({ subscription: id }, 'webhook subscription disabled after repeated failures'),
  });
  const stopDenialFlush = startAccessDenialFlush(deps, windowMs, (error) =>
    app.log.error({ err: error }, 'writing access.denied summaries failed'),
  );
  const close = async () => {
    // Released leases let another server take the running jobs at once.
    await runner.stop();
    await checkedAtStart;
    await app.close();
    await stopDenialFlush();
    await registry.close();
  };
  let address: string;
  try {
    address = await app.listen({ host: config.host, port: config.port });
  } catch (error) {
    // A busy or forbidden port: stop what started, so the process can exit with the error.
    await close();
    throw error;
  }
  return { url: address, close };
}

/** What sign-in pages are told about the OIDC issuer, and the web app's client there if any. */
function oidcSignIn(config: Config): OidcSignIn {
  const { oidcIssuer: issuer, oidcAudience: audience, oidcClientId: clientId } = config;
  if (clientId === '') return { issuer, audience };
  const browser = {
    clientId,
    redirectPath: config.oidcRedirectPath,
    scope: config.oidcScope,
    ...(config.oidcResource ? { resource: config.oidcResource } : {}),
  };
  return { issuer, audience, browser };
}

/** The built web app beside this package's code, served at `/` (absent before `npm run build`). */
function webRootOption(): { webRoot?: string } {
  const webRoot = findBuiltWebApp();
  return webRoot ? { webRoot } : {};
}

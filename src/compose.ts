/**
 * The composition root: the only place that builds adapters. Everything is made from Config, so
 * the CLI, the server and the tests wire the same way.
 */
import { createPublicKey, randomBytes } from 'node:crypto';
import {
  chmodSync,
  closeSync,
  linkSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { FastifyBaseLogger, FastifyServerOptions } from 'fastify';
import {
  type AppDeps,
  type AuditSigner,
  accessDenialThrottle,
  assertRotationReason,
  type BlobCollection,
  type BlobStore,
  bindUseCases,
  type Clock,
  checkStoredState,
  collectBlobs,
  type DeliveryReport,
  describeDisagreement,
  GateResultCache,
  hotReads,
  type IdGenerator,
  type KpiSource,
  LineageReadings,
  type NotificationSettings,
  notificationJobHandlers,
  notificationJobKinds,
  rotateAuditKey,
  type ScheduledJobKind,
  type ScheduledJobOptions,
  type StateCheck,
  type Store,
  type StoredCheckpoint,
  scheduledJobHandlers,
  scheduledJobKinds,
  sharedIdempotency,
  startAccessDenialFlush,
  type UploadQuota,
} from './app/index.js';
import {
  formatVerifierKey,
  generateSigningKey,
  handoverOf,
  type KeyHandover,
  parseCheckpoint,
} from './audit/index.js';
import {
  type AccountState,
  apiTokenIssuer,
  createOidcVerifier,
  type IdentityDirectory,
  principalCache,
  type TokenHolder,
  type VersionedDirectory,
} from './auth/index.js';
import { allowedAddressClasses, type Config, governedAliases } from './config.js';
import { ClearanceError } from './domain/index.js';
import { FileBlobStore } from './evidence/file-blob-store.js';
import { type GateRunBudgets, GateWorkerPool } from './gate-runs/index.js';
import {
  buildServer,
  findBuiltWebApp,
  type JobRunnerStats,
  type OidcSignIn,
} from './http/index.js';
import {
  createJobRunner,
  type JobRunner,
  type JobRunnerOptions,
  type RecurringJob,
  type RunnerEvent,
} from './jobs/index.js';
import { prometheusKpiSource } from './kpi-sources/index.js';
import {
  type AddressClass,
  createEmailSender,
  createNotificationChannels,
  type SmtpConfig,
} from './notify/index.js';
import { createStore, nextReadShared, type StoreConfig } from './store/index.js';

export interface Registry {
  config: Config;
  store: Store;
  /** The use cases' dependencies; gate runs go to a worker pool (closed with the registry). */
  deps: AppDeps & { gateRunner: GateWorkerPool; notifications: NotificationSettings };
  /** Tokens and role bindings from the store, for `authenticate`. */
  directory: IdentityDirectory;
  /** Signs audit checkpoints as `clearance/<install-id>` (see `loadAuditSigner`). */
  auditSigner: AuditSigner;
  /** The C2SP verifier key of `auditSigner`, for auditors and `audit verify`. */
  verifierKey: string;
  close(): Promise<void>;
}

export const systemClock: Clock = { now: () => new Date() };

/**
 * UUIDv7 (RFC 9562 §5.7): 48 bits of Unix milliseconds, then random bits, so ids sort by creation
 * time in indexes and listings without a separate sequence.
 */
export function uuidV7(clock: Clock = systemClock): IdGenerator {
  return {
    next() {
      const bytes = randomBytes(16);
      let ms = clock.now().getTime();
      for (let i = 5; i >= 0; i--) {
        bytes[i] = ms % 256;
        ms = Math.floor(ms / 256);
      }
      bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x70;
      bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
      const hex = bytes.toString('hex');
      return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
    },
  };
}

/** `sqlite:<file>` (relative to the working directory) or a `postgres://` / `postgresql://` URL. */
export function storeConfigFor(config: Config): StoreConfig {
  const { database } = config;
  if (/^postgres(ql)?:\/\//.test(database)) return { engine: 'postgres', url: database };
  if (database.startsWith('sqlite:')) {
    const file = resolve(database.slice('sqlite:'.length));
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    return {
      engine: 'sqlite',
      file,
      synchronous: config.sqliteSynchronous === 'full' ? 'FULL' : 'NORMAL',
    };
  }
  throw new ClearanceError(
    'invalid_input',
    `Database "${database}" is neither sqlite: nor postgres://.`,
    {
      problems: [
        {
          message: 'The database setting names the engine by its prefix.',
          fix: 'Use sqlite:.clearance/clearance.db or postgres://user@host:5432/db.',
        },
      ],
    },
  );
}

/** The rollouts' KPI pull source of the configuration, or undefined when no Prometheus is set. */
export function kpiSourceOf(config: Config): KpiSource | undefined {
  if (config.prometheusUrl === '') return undefined;
  return prometheusKpiSource({
    url: config.prometheusUrl,
    timeoutMs: config.prometheusTimeoutSeconds * 1000,
  });
}

/** The gate-run budgets of the configuration. */
export function gateRunBudgets(config: Config): GateRunBudgets {
  return {
    timeBudgetSeconds: config.gateTimeBudgetSeconds,
    memoryBudgetMb: config.gateMemoryBudgetMb,
    workers: config.gateWorkers,
    advisoryQueuePerWorker: config.gateAdvisoryQueuePerWorker,
    governedQueuePerWorker: config.gateGovernedQueuePerWorker,
  };
}

/**
 * The identity directory of the configuration: the store's, kept in the principal cache for
 * `principalCacheMaxAgeSeconds` (ADR 034), or read on every request when that is 0 (no cache,
 * so no epoch read either). `now` is the cache's clock in milliseconds, the wall clock by default.
 */
export function identityDirectoryOf(
  config: Pick<Config, 'principalCacheMaxAgeSeconds'>,
  store: Store,
  now?: () => number,
): IdentityDirectory {
  const directory = storeDirectory(store);
  if (config.principalCacheMaxAgeSeconds === 0) return directory;
  const maxAgeMs = config.principalCacheMaxAgeSeconds * 1000;
  return principalCache(directory, undefined, { maxAgeMs, ...(now ? { now } : {}) });
}

/**
 * The blob store the configuration names: the data directory's `blobs/`, or an S3-compatible
 * bucket, checked at once (a bucket it cannot reach stops the start with one clear error). The
 * S3 client is loaded only when it is used. `close` releases its connections.
 */
export async function openBlobStore(config: Config): Promise<{ blobs: BlobStore; close(): void }> {
  if (config.blobStore === 'file') {
    return { blobs: new FileBlobStore(join(resolve(config.dataDir), 'blobs')), close() {} };
  }
  const { S3BlobStore } = await import('./evidence/s3-blob-store.js');
  const blobs = new S3BlobStore({
    bucket: config.s3Bucket,
    prefix: config.s3Prefix,
    endpoint: config.s3Endpoint,
    region: config.s3Region,
    accessKeyId: config.s3AccessKeyId,
    secretAccessKey: config.s3SecretAccessKey,
    forcePathStyle: config.s3ForcePathStyle,
  });
  try {
    await blobs.check();
  } catch (error) {
    blobs.close();
    throw error;
  }
  return { blobs, close: () => blobs.close() };
}

/**
 * The use cases' dependencies over an open store and blob store, with gate runs in a pool of
 * worker threads within `budgets`. `close` stops the workers.
 */
export function appDeps(
  store: Store,
  blobs: BlobStore,
  budgets: GateRunBudgets,
  uploads: { quota?: UploadQuota; evidenceFilesPerVersion?: number } = {},
): AppDeps & { gateRunner: GateWorkerPool } {
  return {
    store,
    blobs,
    gateRunner: new GateWorkerPool({ blobs, budgets }),
    gateResults: new GateResultCache(),
    lineageReadings: new LineageReadings(),
    clock: systemClock,
    ids: uuidV7(),
    tokens: apiTokenIssuer,
    hotReads: hotReads(store),
    ...(uploads.quota ? { uploadQuota: uploads.quota } : {}),
    ...(uploads.evidenceFilesPerVersion !== undefined
      ? { evidenceFilesPerVersion: uploads.evidenceFilesPerVersion }
      : {}),
  };
}

/** The per-user upload quota from Config. */
function uploadQuotaOf(config: Config): UploadQuota {
  return { bytes: config.uploadQuotaBytes, windowSeconds: config.uploadQuotaWindowSeconds };
}

/** Blob collection as `clearance blobs gc` runs it (the server's `blobs.collect` job likewise). */
export function collectBlobsWith(
  registry: Registry,
  options: { job: string; dryRun?: boolean; graceSeconds?: number },
): Promise<BlobCollection> {
  const { config } = registry;
  return collectBlobs(registry.deps, {
    job: options.job,
    graceSeconds: options.graceSeconds ?? config.blobGcGraceSeconds,
    keepUploadsSeconds: config.uploadQuotaWindowSeconds,
    ...(options.dryRun ? { dryRun: true } : {}),
  });
}

/** Where `secureDataFiles` reports a mode it had to tighten, and the store a trigger mode. */
export type Warn = (message: string) => void;

const warnOnStderr: Warn = (message) => process.emitWarning(message, 'SecurityWarning');

/** Sets `mode` on `path` if it exists with any group or other bit set, and says so. */
function tighten(path: string, mode: number, warn: Warn): void {
  let current: number;
  try {
    current = statSync(path).mode & 0o777;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  if ((current & 0o077) === 0) return;
  chmodSync(path, mode);
  warn(
    `${path} was mode ${current.toString(8).padStart(4, '0')}, readable by other users; set it to ${mode.toString(8).padStart(4, '0')}.`,
  );
}

/**
 * Owner-only modes for everything that holds secrets or records: the data directory and its
 * blob directory 0700; the SQLite file with its -wal and -shm, the audit signing key (and a
 * pending `.next` key) and `install-id` 0600. Creates the directories and the empty SQLite file
 * with these modes (SQLite gives -wal and -shm the database file's mode), and tightens existing
 * ones that are looser, with a warning each.
 */
export function secureDataFiles(config: Config, warn: Warn = warnOnStderr): void {
  const dataDir = resolve(config.dataDir);
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  tighten(dataDir, 0o700, warn);
  const blobs = join(dataDir, 'blobs');
  mkdirSync(blobs, { recursive: true, mode: 0o700 });
  tighten(blobs, 0o700, warn);
  const store = storeConfigFor(config);
  if (store.engine === 'sqlite') {
    closeSync(openSync(store.file, 'a', 0o600));
    for (const suffix of ['', '-wal', '-shm']) tighten(`${store.file}${suffix}`, 0o600, warn);
  }
  const keyFile = auditKeyFile(config);
  for (const file of [keyFile, `${keyFile}.next`, join(dirname(keyFile), 'install-id')]) {
    tighten(file, 0o600, warn);
  }
}

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

/** The CLI reaches adapters only through this module: `clearance webhook verify` checks with it. */
export { verifyWebhook } from './notify/index.js';

/** `smtp://user:pass@host:port` or `smtps://…` as nodemailer's settings; undefined when empty. */
export function smtpConfigOf(url: string, timeoutMs: number): SmtpConfig | undefined {
  if (url === '') return undefined;
  const parsed = new URL(url);
  const secure = parsed.protocol === 'smtps:';
  return {
    host: parsed.hostname.replace(/^\[|\]$/gu, ''),
    port: parsed.port === '' ? (secure ? 465 : 587) : Number(parsed.port),
    secure,
    timeoutMs,
    ...(parsed.username === ''
      ? {}
      : {
          auth: {
            user: decodeURIComponent(parsed.username),
            pass: decodeURIComponent(parsed.password),
          },
        }),
  };
}

/** Webhook, Slack and email channels with the routing rules and limits of Config. */
export function notificationsOf(config: Config): {
  settings: NotificationSettings;
  close(): void;
} {
  const timeoutMs = config.notifyTimeoutSeconds * 1000;
  const smtp = smtpConfigOf(config.smtpUrl, timeoutMs);
  const sender = smtp === undefined ? undefined : createEmailSender(smtp);
  const channels = createNotificationChannels({
    policy: { allow: allowedAddressClasses(config) as AddressClass[] },
    publicUrl: config.publicUrl,
    schedule: {
      baseDelayMs: config.notifyRetryBaseSeconds * 1000,
      maxDelayMs: config.notifyRetryMaxSeconds * 1000,
      minDelayMs: Math.min(1000, config.notifyRetryBaseSeconds * 1000),
      deadlineMs: config.notifyRetryDeadlineSeconds * 1000,
    },
    timeoutMs,
    ...(sender === undefined ? {} : { email: { sender, from: config.emailFrom } }),
  });
  return {
    settings: {
      channels,
      rules: config.notificationRules,
      disableAfterFailures: config.webhookDisableAfterFailures,
      secretOverlapSeconds: config.webhookSecretOverlapSeconds,
    },
    close: () => sender?.close(),
  };
}

/**
 * The Slack URLs of the routing rules against the address check, at start: a rule that could
 * never deliver stops the server with the rule named, rather than failing every event later. A
 * name that does not resolve now (DNS briefly down) does not stop it: each delivery checks again.
 */
export async function assertNotificationTargets(registry: Registry): Promise<void> {
  const problems = [];
  for (const [index, rule] of registry.config.notificationRules.entries()) {
    if (rule.url === undefined) continue;
    const checked = await registry.deps.notifications.channels.checkUrl(rule.url);
    if (!checked.ok && checked.unresolved !== true) {
      problems.push({
        message: `notificationRules[${index}]${rule.name ? ` (${rule.name})` : ''}: ${checked.reason}.`,
        fix: 'Use a public https Slack URL, or allow its address class with notifyAllowAddresses.',
      });
    }
  }
  if (problems.length > 0) {
    throw new ClearanceError('invalid_input', 'The configuration is invalid.', { problems });
  }
}

/**
 * The identity directory `authenticate` reads: an API token and its user's role bindings from one
 * read-only snapshot, and the identity epoch that `principalCache` checks on every request: one
 * statement, skipped while the store's data version says nothing was committed since the last
 * one (no commit, no change of epoch; on PostgreSQL the data version is itself one statement, but
 * one shared by every call of the same turn of the event loop: the requests that arrived together).
 * The epoch read is shared the same way: under writes the data version moves with every commit,
 * and the requests a commit answered come back together and would each read the epoch. Where the
 * data version is itself a statement (PostgreSQL) that statement reads the epoch too (ADR 029).
 */
export function storeDirectory(store: Store): VersionedDirectory {
  let known: { version: number; epoch: number } | undefined;
  const readEpoch = nextReadShared(() => store.readOne((tx) => tx.identity.epoch()));
  return {
    findToken: (id) =>
      store.read(async (tx): Promise<TokenHolder | undefined> => {
        const token = await tx.identity.getToken(id);
        if (token === undefined) return undefined;
        const user = await tx.identity.getUser(token.userId);
        return {
          hashedSecret: token.hashedSecret,
          userId: token.userId,
          ...(token.expiresAt === undefined ? {} : { expiresAt: token.expiresAt }),
          ...(token.revokedAt === undefined ? {} : { revokedAt: token.revokedAt }),
          ...(user?.disabledAt === undefined ? {} : { disabledAt: user.disabledAt }),
          roles: await tx.identity.rolesOf(token.userId),
        };
      }),
    findAccount: (userId) =>
      store.readOne(async (tx): Promise<AccountState | undefined> => {
        const user = await tx.identity.getUser(userId);
        if (user === undefined) return undefined;
        return user.disabledAt === undefined ? {} : { disabledAt: user.disabledAt };
      }),
    epoch: async () => {
      // Where the data version is a statement, the epoch comes with it: one read, one snapshot.
      if (store.dataVersionWithEpoch !== undefined) {
        const both = await store.dataVersionWithEpoch();
        if (both !== undefined) return both.epoch;
      }
      // Read first: the epoch read after it is at least as new as what it is filed under.
      const version = await store.dataVersion();
      if (version !== undefined && known?.version === version) return known.epoch;
      const epoch = await readEpoch();
      if (version !== undefined) known = { version, epoch };
      return epoch;
    },
  };
}

/**
 * The audit signing key and log origin. The key is `auditSigningKeyFile`, or
 * `<dataDir>/audit-signing-key.pem`; the install id is the `install-id` file beside it, so sharing
 * one directory (or one key file setting) gives several servers one origin and one key. Both are
 * created on first start, atomically (write a temporary file, then hard-link it into place), so
 * servers starting together agree on whichever was linked first.
 */
export function loadAuditSigner(config: Config): AuditSigner {
  const keyFile = auditKeyFile(config);
  const installId = createOnce(join(dirname(keyFile), 'install-id'), () =>
    randomBytes(12).toString('base64url'),
  ).trim();
  if (!/^[A-Za-z0-9_-]+$/.test(installId)) {
    throw new ClearanceError(
      'invalid_input',
      `The install-id beside ${keyFile} is not a plain id: "${installId}".`,
    );
  }
  const origin = `clearance/${installId}`;
  const pem = createOnce(keyFile, () => generateSigningKey(origin).privateKey);
  return signerFromPem({ origin, pem, file: keyFile });
}

function auditKeyFile(config: Config): string {
  return resolve(config.auditSigningKeyFile || join(config.dataDir, 'audit-signing-key.pem'));
}

function signerFromPem(input: { origin: string; pem: string; file: string }): AuditSigner {
  let publicKey: Uint8Array;
  try {
    const der = createPublicKey(input.pem).export({ format: 'der', type: 'spki' });
    publicKey = new Uint8Array(der.subarray(der.length - 32));
  } catch (cause) {
    throw new ClearanceError(
      'invalid_input',
      `The audit signing key ${input.file} is not a PEM key.`,
      {
        cause,
        problems: [{ message: 'Unreadable key.', fix: 'Restore the key file from backup.' }],
      },
    );
  }
  return {
    origin: input.origin,
    note: { name: input.origin, privateKey: input.pem },
    verifierKey: formatVerifierKey(input.origin, publicKey),
  };
}

/**
 * Rotates the audit signing key (audit/key-rotation.ts): a new key is written beside the current
 * one as `<key file>.next` (kept if it is already there, so an interrupted rotation resumes with
 * the same key), the database records the handover, and only then the files are swapped: the old
 * key moves to `<key file>.retired-<time>` and the new one takes its name. A crash before the swap
 * leaves the server refusing to sign with the retired key, never signing with both.
 */
export async function rotateAuditSigningKey(
  registry: Registry,
  input: { reason: string },
): Promise<{ retired: string; next: string; checkpoint: StoredCheckpoint }> {
  assertRotationReason(input.reason);
  const keyFile = auditKeyFile(registry.config);
  const current = registry.auditSigner;
  const nextFile = `${keyFile}.next`;
  const origin = current.origin;
  const next = signerFromPem({
    origin,
    pem: createOnce(nextFile, () => generateSigningKey(origin).privateKey),
    file: nextFile,
  });
  const latest = await registry.store.read((tx) => tx.checkpoints.latest());
  const pending = latest === undefined ? undefined : handoverFromNote(latest.note);
  // Resuming: the database already handed over to this very key; only the files remain.
  const done = pending?.retired === current.verifierKey && pending.next === next.verifierKey;
  const checkpoint =
    done && latest
      ? latest
      : (await rotateAuditKey(registry.deps, { current, next, reason: input.reason })).checkpoint;
  // Keep the old key under a second name, then replace the key file in one rename: at no
  // instant is there no key file (a start then would create an unrelated key).
  const stamp = registry.deps.clock.now().toISOString().replace(/[:.]/g, '');
  linkSync(keyFile, `${keyFile}.retired-${stamp}`);
  renameSync(nextFile, keyFile);
  return { retired: current.verifierKey, next: next.verifierKey, checkpoint };
}

function handoverFromNote(note: string): KeyHandover | undefined {
  try {
    return handoverOf(parseCheckpoint(note.slice(0, note.lastIndexOf('\n\n') + 1)));
  } catch {
    return undefined;
  }
}

/** Reads `file`, or creates it (mode 0600) with `make()` if it does not exist yet. */
function createOnce(file: string, make: () => string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const temporary = `${file}.${randomBytes(6).toString('hex')}.tmp`;
  writeFileSync(temporary, make(), { mode: 0o600, flag: 'wx' });
  try {
    linkSync(temporary, file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  } finally {
    rmSync(temporary, { force: true });
  }
  return readFileSync(file, 'utf8');
}

/**
 * A clean check is one info line, unless the last check logged was clean over the same entries
 * (the start-up check and the `state.check` job both run when a server starts): that repeat is a
 * debug line. Every disagreeing row is an error line naming it, every time.
 */
function stateCheckLog(app: { log: FastifyBaseLogger }): (check: StateCheck) => void {
  let cleanOver: number | undefined;
  return (check) => {
    const found = check.disagreements.length + check.problems.length;
    const repeat = found === 0 && cleanOver === check.auditEntries;
    cleanOver = found === 0 ? check.auditEntries : undefined;
    if (repeat) {
      app.log.debug(
        { auditEntries: check.auditEntries },
        'database still agrees with the audit log',
      );
      return;
    }
    logStateCheck(app, check);
  };
}

function logStateCheck(app: { log: FastifyBaseLogger }, check: StateCheck): void {
  const found = check.disagreements.length + check.problems.length;
  // What an older log cannot prove (ADR 024) is said beside the outcome, never as an error.
  const notes = check.notes.length > 0 ? { notes: check.notes } : {};
  if (found === 0) {
    app.log.info(
      { auditEntries: check.auditEntries, ...notes },
      'database agrees with the audit log',
    );
    return;
  }
  app.log.error(
    { disagreements: check.disagreements.length, problems: check.problems.length, ...notes },
    'database does NOT agree with the audit log: run `clearance audit verify --state`',
  );
  for (const d of check.disagreements) app.log.error({ disagreement: d }, describeDisagreement(d));
  for (const p of check.problems) app.log.error(p);
}

/**
 * The recurring jobs of Config: one per scheduled kind whose interval is not 0. Each runs once
 * per period across every server on the database (ADR 009).
 */
export function scheduledJobsOf(config: Config): RecurringJob[] {
  const periods: Record<ScheduledJobKind | typeof notificationJobKinds.digest, number> = {
    [scheduledJobKinds.checkpointSign]: config.checkpointIntervalSeconds,
    [scheduledJobKinds.stateCheck]: config.stateCheckIntervalSeconds,
    [scheduledJobKinds.blobsCollect]: config.blobGcIntervalSeconds,
    [scheduledJobKinds.queuePurge]: config.queuePurgeIntervalSeconds,
    [scheduledJobKinds.emergencyExpire]: config.emergencyExpiryIntervalSeconds,
    [scheduledJobKinds.requestsExpire]: config.requestExpiryIntervalSeconds,
    [scheduledJobKinds.reviewsEscalate]: config.reviewEscalationIntervalSeconds,
    [notificationJobKinds.digest]: config.notifyDigestIntervalSeconds,
    [scheduledJobKinds.rolloutEvaluate]: config.rolloutEvaluateIntervalSeconds,
  };
  return Object.entries(periods)
    .filter(([, seconds]) => seconds > 0)
    .map(([kind, seconds]) => ({ kind, key: kind, everyMs: seconds * 1000 }));
}

type ScheduledJobHooks = Omit<
  ScheduledJobOptions,
  'signer' | 'blobGraceSeconds' | 'keepUploadsSeconds' | 'queueRetentionSeconds'
> &
  Partial<Pick<JobRunnerOptions, 'onEvent' | 'onError' | 'clock' | 'workerId' | 'pollMs'>> & {
    onDelivery?: (report: DeliveryReport) => void;
    onDisabled?: (subscriptionId: string) => void;
  };

/**
 * The job runner over the registry's store with the scheduled jobs' handlers, started: it
 * ensures the recurring jobs of Config, cancels those whose interval is now 0 (for every server
 * on the database), and polls every `jobPollIntervalSeconds`.
 */
export async function startScheduledJobs(
  registry: Registry,
  hooks: ScheduledJobHooks = {},
): Promise<JobRunner> {
  const { config, store } = registry;
  const { onEvent, onError, clock, workerId, pollMs, onDelivery, onDisabled, ...callbacks } = hooks;
  const handlers = {
    ...scheduledJobHandlers(registry.deps, {
      signer: registry.auditSigner,
      blobGraceSeconds: config.blobGcGraceSeconds,
      keepUploadsSeconds: config.uploadQuotaWindowSeconds,
      queueRetentionSeconds: config.queueRetentionSeconds,
      ...callbacks,
    }),
    ...notificationJobHandlers(registry.deps, {
      ...(onDelivery === undefined ? {} : { onDelivery }),
      ...(onDisabled === undefined ? {} : { onDisabled }),
    }),
  };
  const recurring = scheduledJobsOf(config);
  const runClock = clock ?? registry.deps.clock;
  const at = runClock.now().toISOString();
  for (const kind of [...Object.values(scheduledJobKinds), notificationJobKinds.digest]) {
    if (recurring.some((job) => job.key === kind)) continue;
    await store.transaction((tx) => tx.jobs.cancel(kind, at));
  }
  const runner = createJobRunner({
    store,
    clock: runClock,
    handlers,
    recurring,
    leaseMs: config.jobLeaseSeconds * 1000,
    pollMs: pollMs ?? config.jobPollIntervalSeconds * 1000,
    ...(workerId === undefined ? {} : { workerId }),
    ...(onEvent === undefined ? {} : { onEvent }),
    ...(onError === undefined ? {} : { onError }),
  });
  await runner.start();
  return runner;
}

/** Counts the runner's events for `/metrics`. */
function jobRunnerStats(leaseMs: number): {
  record(event: RunnerEvent): void;
  recordDelivery(report: DeliveryReport): void;
  read(): JobRunnerStats;
} {
  const counts = new Map<string, { kind: string; result: string; count: number }>();
  const deliveries = new Map<string, { channel: string; outcome: string; count: number }>();
  let lastDeliveryLagSeconds = 0;
  let lastStartLagSeconds = 0;
  let lastClaimedAt = '';
  return {
    record(event) {
      const { job } = event;
      const name = `${job.kind}\u0000${event.type}`;
      const entry = counts.get(name) ?? { kind: job.kind, result: event.type, count: 0 };
      entry.count += 1;
      counts.set(name, entry);
      // The claim set the lease to claim time + leaseMs.
      const claimedAt = Date.parse(job.lockedUntil) - leaseMs;
      if (new Date(claimedAt).toISOString() >= lastClaimedAt) {
        lastClaimedAt = new Date(claimedAt).toISOString();
        lastStartLagSeconds = Math.max(0, (claimedAt - Date.parse(job.runAt)) / 1000);
      }
    },
    recordDelivery(report) {
      const name = `${report.channel}\u0000${report.outcome}`;
      const entry = deliveries.get(name) ?? {
        channel: report.channel,
        outcome: report.outcome,
        count: 0,
      };
      entry.count += 1;
      deliveries.set(name, entry);
      lastDeliveryLagSeconds = Math.max(0, report.lagMs / 1000);
    },
    read: () => ({
      ended: [...counts.values()],
      lastStartLagSeconds,
      deliveries: [...deliveries.values()],
      lastDeliveryLagSeconds,
    }),
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
  // The use cases run on a store that claims a request's Idempotency-Key with its action, and
  // write at most a bounded number of access.denied entries per caller and window.
  const deps = {
    ...registry.deps,
    store: idempotency.wrap(registry.deps.store),
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
    gateRuns: () => registry.deps.gateRunner.stats(),
    jobs: jobStats.read,
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
      app.log.info({ blobs: run.blobs.length, bytes: run.bytes }, 'blobs collected'),
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

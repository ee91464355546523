/**
 * The only module that reads the environment. One Zod schema; values layer as
 * defaults ← config file ← environment ← flags, are validated once (every invalid key reported),
 * then frozen. docs/reference/config.md is generated from the `.describe()` texts.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import {
  ClearanceError,
  type Problem,
  routingRuleSchema,
  uploadChargePerFile,
} from './domain/index.js';

/** A JSON list in an environment variable or flag; as given when it is already a value. */
const jsonText = (value: unknown) => {
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value) as unknown;
  } catch {
    return value;
  }
};

const configSchema = z.strictObject({
  database: z
    .string()
    .min(1)
    .describe(
      'Where the registry keeps its records: `sqlite:<file>` (embedded default: `clearance.db` in `dataDir`; an older install keeps using `.clearance/clearance.db` while `dataDir` holds none) or a `postgres://` URL for several servers sharing one database.',
    ),
  dataDir: z
    .string()
    .min(1)
    .describe(
      'Directory for evidence blobs (content-addressed), the SQLite file and the signing key.',
    ),
  host: z.string().min(1).describe('Interface the HTTP server listens on.'),
  port: z.coerce
    .number()
    .int()
    .min(0)
    .max(65535)
    .describe(
      "TCP port of the HTTP server (0 = any free port). Not one of the Fetch standard's bad ports (6000, 6665–6669, 10080, …): browsers and the CLI refuse to connect to those.",
    ),
  bodyLimitBytes: z.coerce
    .number()
    .int()
    .positive()
    .describe('Largest accepted request body; evidence uploads above it are refused with 413.'),
  authFailureLimit: z.coerce
    .number()
    .int()
    .min(0)
    .describe(
      'Failed authentications one client address may make per window; past it, failures are answered 429 with Retry-After (0 = no limit). Requests that authenticate are never counted nor refused.',
    ),
  authFailureWindowSeconds: z.coerce
    .number()
    .int()
    .positive()
    .describe(
      'The window of `authFailureLimit`, in seconds; each failure past the limit starts it again.',
    ),
  accessDeniedWindowSeconds: z.coerce
    .number()
    .int()
    .positive()
    .describe(
      'Window of the `access.denied` aggregation: per caller, attempted action and subject, the first denial in a window is audited at once and the rest are counted into one entry (docs/reference/audit.md).',
    ),
  accessDeniedPerPrincipal: z.coerce
    .number()
    .int()
    .positive()
    .describe(
      'Distinct (action, subject) pairs per caller and window whose denials are audited one by one; denials on further subjects are counted into one summary entry per caller and window.',
    ),
  principalCacheMaxAgeSeconds: z.coerce
    .number()
    .int()
    .min(0)
    .max(
      600,
      'at most 600 (10 minutes): the age bounds how long a token a restore took away may still be served',
    )
    .describe(
      'How long a server serves API tokens and accounts from memory before reading them again, even when the identity epoch says nothing changed (ADR 034). Revocations made through Clearance or by SQL take effect on the next request whatever this is; the age bounds only the case the epoch cannot see, a restore that brings the epoch back to a value a server cached under. 0 = no cache: every request reads its token or account from the database.',
    ),
  trustProxy: z
    .string()
    .describe(
      'Addresses or CIDR ranges of reverse proxies whose `X-Forwarded-For` names the client (comma-separated; empty = none). Without it, the failed-authentication limit counts the proxy’s address.',
    ),
  uploadQuotaBytes: z.coerce
    .number()
    .int()
    .min(
      uploadChargePerFile + 1,
      `more than ${uploadChargePerFile}, the charge of each file besides its bytes: at most that, every upload would be refused`,
    )
    .describe(
      'Evidence bytes one user may upload per `uploadQuotaWindowSeconds` (every upload counts, attached or not; each file counts 65,536 bytes besides its own, so many small files are not free, and the quota must be more than 65,536); over it uploads are refused with 429 `quota_exceeded` and nothing is stored.',
    ),
  uploadQuotaWindowSeconds: z.coerce
    .number()
    .int()
    .positive()
    .describe('The rolling window of `uploadQuotaBytes`, in seconds.'),
  maxEvidenceFilesPerVersion: z.coerce
    .number()
    .int()
    .min(1)
    .max(100_000)
    .describe(
      'Evidence files one version may hold (already attached ones count; every gate run of the version reads every file); an upload past it is refused with 400 `invalid_input` and nothing is stored.',
    ),
  maxTagsPerRegisteredModel: z.coerce
    .number()
    .int()
    .min(1)
    .max(10_000)
    .describe(
      'Tags one registered model may hold through the MLflow-compatible API (the read-only `clearance.*` views do not count); a tag with a new key past it is refused with 400 INVALID_PARAMETER_VALUE and nothing is written. Setting the value of an existing key always works.',
    ),
  maxTagsPerModelVersion: z.coerce
    .number()
    .int()
    .min(1)
    .max(10_000)
    .describe(
      'Tags one model version may hold through the MLflow-compatible API, those given at registration included; a registration with more, or a tag with a new key past it, is refused with 400 INVALID_PARAMETER_VALUE and nothing is written. Setting the value of an existing key always works.',
    ),
  maxAliasesPerRegisteredModel: z.coerce
    .number()
    .int()
    .min(1)
    .max(10_000)
    .describe(
      'Plain MLflow aliases one registered model may hold (the governed aliases of `mlflowGovernedAliases` do not count); a new alias past it is refused with 400 INVALID_PARAMETER_VALUE. Moving an existing alias always works.',
    ),
  maxConcurrentEvidencePacks: z.coerce
    .number()
    .int()
    .min(1)
    .max(1024)
    .describe(
      "Evidence pack downloads one server streams at once; past it a download is refused with 503 `busy` and Retry-After before anything is read. A download holds the version's records and a few 64 KiB chunks, not its evidence (blobs are streamed into the archive), so this bounds gzip CPU and blob-store reads rather than memory.",
    ),
  evidencePackStallSeconds: z.coerce
    .number()
    .int()
    .min(1)
    .max(3600)
    .describe(
      'Seconds an evidence pack download may go without its archive moving (the client reads nothing, or the blob store sends nothing) before it is cut off and logged; its place among `maxConcurrentEvidencePacks` is given back. A client that opens a download and never reads would otherwise hold the place for as long as its connection lives.',
    ),
  blobGcIntervalSeconds: z.coerce
    .number()
    .int()
    .min(0)
    .describe(
      'How often the deletion of blobs no evidence references runs, as the recurring job `blobs.collect` (once per period across all servers; 0 = only `clearance blobs gc`).',
    ),
  blobGcGraceSeconds: z.coerce
    .number()
    .int()
    .min(60)
    .describe(
      'Blob collection keeps any blob uploaded within this many seconds, so an attach in flight never loses its bytes; keep it above the longest upload.',
    ),
  blobStore: z
    .enum(['file', 's3'])
    .describe(
      'Where evidence blobs live: `file` (`<dataDir>/blobs`, one server or a shared file system) or `s3` (an S3-compatible bucket, for several servers on one PostgreSQL; set the `s3*` keys). Every read checks a blob against its digest in either.',
    ),
  s3Bucket: z
    .string()
    .describe(
      'Bucket of the `s3` blob store (required with it). It must exist: each server checks at start that it can reach it.',
    ),
  s3Prefix: z
    .string()
    .regex(/^([^/].*\/)?$/, 'must be empty or end with "/" (and not start with one)')
    .describe(
      'Prepended to every object key of the `s3` blob store, e.g. `clearance/` (empty = the bucket’s root); blobs are at `<prefix>sha256/ab/cd/<hex>`.',
    ),
  s3Endpoint: z
    .union([z.literal(''), z.url({ protocol: /^https?$/ })])
    .describe(
      'URL of an S3-compatible server (MinIO, Ceph, Garage, …) for the `s3` blob store; empty = AWS S3 in `s3Region`.',
    ),
  s3Region: z.string().min(1).describe('Region of the `s3` blob store’s bucket.'),
  s3AccessKeyId: z
    .string()
    .describe(
      'Access key of the `s3` blob store, with `s3SecretAccessKey` (prefer the environment to a file); empty = the AWS SDK’s default chain (`AWS_ACCESS_KEY_ID`…, shared files, instance role).',
    ),
  s3SecretAccessKey: z.string().describe('Secret of `s3AccessKeyId`.'),
  s3ForcePathStyle: z
    .union([z.boolean(), z.enum(['true', 'false']).transform((v) => v === 'true')])
    .describe(
      'Address the bucket in the path (`https://host/bucket/key`) rather than the host name; most self-hosted S3-compatible servers need `true`.',
    ),
  sqliteSynchronous: z
    .enum(['full', 'normal'])
    .describe(
      'SQLite durability: `full` fsyncs every commit; `normal` may lose the last commits on power loss.',
    ),
  checkpointIntervalSeconds: z.coerce
    .number()
    .int()
    .min(0)
    .describe(
      'How often an audit checkpoint is signed when the log has grown, as the recurring job `checkpoint.sign` (once per period across all servers; 0 = only on demand).',
    ),
  stateCheckIntervalSeconds: z.coerce
    .number()
    .int()
    .min(0)
    .describe(
      'How often the database is checked against the audit log (as `clearance audit verify --state`), as the recurring job `state.check` (once per period across all servers); each server also checks once at start. Disagreeing rows are logged and counted in `/metrics` of the server that checked (0 = never).',
    ),
  emergencyExpiryIntervalSeconds: z.coerce
    .number()
    .int()
    .min(0)
    .describe(
      'How often executed emergency changes past their policy’s `expiresAfter` are expired (standard gates re-run; rolled back unless they pass), as the recurring job `emergency.expire`. An emergency lasts at most this much past its window (0 = never: not recommended).',
    ),
  requestExpiryIntervalSeconds: z.coerce
    .number()
    .int()
    .min(0)
    .describe(
      'How often open transition requests (pending or approved) older than their policy’s `requests.expireAfter` (default 14d) are closed as `expired`, as the recurring job `requests.expire` (once per period across all servers). Approving or executing a request past its lifetime is refused whenever the job last ran (0 = never close them: they stay open but refused).',
    ),
  reviewEscalationIntervalSeconds: z.coerce
    .number()
    .int()
    .min(0)
    .describe(
      'How often post-incident review deadlines are checked, as the recurring job `reviews.escalate`: `review.due` once the last quarter of a review period begins, `review.overdue` (escalation) once it has passed, each once per request (0 = never).',
    ),
  rolloutEvaluateIntervalSeconds: z.coerce
    .number()
    .int()
    .min(0)
    .describe(
      'How often every running or paused canary rollout is evaluated (windows decided, steps taken, rollback or completion applied), as the recurring job `rollout.evaluate`; each posted KPI batch also evaluates its rollout at once (0 = never: rollouts then move only on ingestion and manual actions).',
    ),
  queuePurgeIntervalSeconds: z.coerce
    .number()
    .int()
    .min(0)
    .describe(
      'How often finished jobs and settled outbox events older than `queueRetentionSeconds` are deleted, as the recurring job `queue.purge` (0 = never).',
    ),
  queueRetentionSeconds: z.coerce
    .number()
    .int()
    .min(60)
    .describe('How long finished jobs and settled outbox events are kept before `queue.purge`.'),
  jobPollIntervalSeconds: z.coerce
    .number()
    .positive()
    .max(60)
    .describe(
      'How long the server’s job runner waits between polls when no job was due. A job committed meanwhile wakes it at once (from this server on both engines, from any server on PostgreSQL through LISTEN/NOTIFY); the poll bounds how late the others start: a retry whose time came, a lease that ran out, a job another server wrote to SQLite.',
    ),
  jobLeaseSeconds: z.coerce
    .number()
    .int()
    .min(5)
    .describe(
      'How long a claimed job is leased to its server (renewed every third of it while it runs); a server that dies loses its jobs to another after this.',
    ),
  auditSigningKeyFile: z
    .string()
    .describe(
      'Ed25519 PKCS#8 PEM key that signs audit checkpoints, created (mode 0600) with an `install-id` file beside it when missing; empty = `<dataDir>/audit-signing-key.pem`. Servers sharing one PostgreSQL must share it.',
    ),
  logLevel: z
    .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
    .describe('Server log level.'),
  server: z.string().describe('URL of the Clearance server the CLI client commands talk to.'),
  token: z
    .string()
    .describe('API token the CLI client commands send (prefer the environment to a file).'),
  mlflowTrackingToken: z
    .string()
    .describe(
      'Bearer token `clearance import mlflow` sends to the MLflow server it reads (empty = none; MLflow clients read the same variable).',
    ),
  oidcIssuer: z
    .string()
    .describe('OIDC issuer whose JWTs are accepted as bearer tokens (empty = off).'),
  oidcAudience: z.string().describe('Required `aud` of accepted JWTs.'),
  oidcRolesClaim: z
    .string()
    .describe('JWT claim holding the caller’s Clearance roles (a list of `role` or `role:model`).'),
  oidcClientId: z
    .string()
    .describe(
      'Client id of the web app at the OIDC issuer, registered as a public client (no secret) using the authorization code flow with PKCE; set, the sign-in page offers "Sign in with OIDC" (empty = paste a token only).',
    ),
  oidcRedirectPath: z
    .string()
    .regex(/^\/[A-Za-z0-9._~/-]*$/, 'a path such as /sign-in/oidc')
    .refine((path) => !/^\/(api|assets)(\/|$)|^\/(metrics|healthz)$/.test(path), {
      message: 'a path of the web app, not of the API, /assets, /metrics or /healthz',
    })
    .describe(
      'Path of the web app the issuer sends the browser back to; the client’s registered redirect URI is the app’s address as the browser reaches it with this path (`https://clearance.example.com/sign-in/oidc`).',
    ),
  oidcScope: z
    .string()
    .refine((scope) => scope.split(/\s+/).includes('openid'), 'must include `openid`')
    .describe('Scopes the web app asks the issuer for (space-separated; must include `openid`).'),
  oidcResource: z
    .string()
    .describe(
      'Resource indicator (RFC 8707) the web app sends so the access token is issued for this server (empty = none; set it when the issuer picks the audience by resource).',
    ),
  gateTimeBudgetSeconds: z.coerce
    .number()
    .positive()
    .max(3600)
    .describe(
      'Wall-clock budget of one gate run (reading a version’s and its baseline’s stored evidence, then evaluating the gates) in its worker thread; past it the worker is stopped and every gate of the run is `error`, naming this key.',
    ),
  gateMemoryBudgetMb: z.coerce
    .number()
    .int()
    .min(64)
    .max(65536)
    .describe(
      'JavaScript heap budget (MiB) of each gate worker thread; a run that needs more stops its worker and every gate of the run is `error`, naming this key. File bytes and prediction columns live outside this heap.',
    ),
  gateWorkers: z.coerce
    .number()
    .int()
    .min(1)
    .max(64)
    .describe(
      "Worker threads that run gates, each one run at a time; further runs wait their turn. Kept alive between runs; a stopped worker is replaced. With 2 or more, replays, backtests and dry runs occupy at most all workers but one, so one is always free for requests, executions and emergency expiry; with 1, such a governed run may wait for the replay under way, up to one run's `gateTimeBudgetSeconds`.",
    ),
  gateAdvisoryQueuePerWorker: z.coerce
    .number()
    .int()
    .min(1)
    .max(1024)
    .describe(
      'Gate runs of replays, backtests and dry runs that may wait for a worker, per `gateWorkers`; past it such runs are refused with 503 `busy` and Retry-After. A waiting run holds no evidence (it is read when a worker takes the run), and an identical run already waiting or under way is joined, not queued again.',
    ),
  gateGovernedQueuePerWorker: z.coerce
    .number()
    .int()
    .min(1)
    .max(4096)
    .describe(
      'Gate runs of requests, executions and emergency expiry that may wait for a worker, per `gateWorkers`, in a queue of their own that workers serve first, so replays never crowd them out; past it they are refused with 503 `busy`.',
    ),
  prometheusUrl: z
    .union([z.literal(''), z.url({ protocol: /^https?$/ })])
    .describe(
      'Prometheus HTTP API that rollouts pull KPI series from (`rollout.sources` in the policy holds the queries, never the URL); empty = no pull source.',
    ),
  prometheusTimeoutSeconds: z.coerce
    .number()
    .positive()
    .max(300)
    .describe(
      'Time one Prometheus query may take, connect to last byte; past it that series is missing data for the window, not a failed sweep.',
    ),
  publicUrl: z
    .url()
    .describe(
      'The server’s URL as people reach it; links in Slack messages and emails start with it.',
    ),
  mlflowGovernedAliases: z
    .string()
    .regex(/^\s*[A-Za-z0-9_-]+(\s*,\s*[A-Za-z0-9_-]+)*\s*$/, 'a comma-separated list of aliases')
    .describe(
      'MLflow aliases that name the production version (comma-separated): setting one through the MLflow API asks for a governed production transition (docs/mlflow-compatibility.md).',
    ),
  notificationRules: z
    .preprocess(jsonText, z.array(routingRuleSchema))
    .describe(
      'Routing rules: who hears what by email and Slack (docs/reference/notifications.md#routing-rules); in the environment, a JSON list. Checked at start: a Slack URL must pass the address check, email rules need `smtpUrl` and `emailFrom`.',
    ),
  smtpUrl: z
    .string()
    .refine((v) => v === '' || /^smtps?:\/\/[^/]+/u.test(v), 'must be smtp://host:port or smtps://')
    .describe(
      'SMTP server for notification email: `smtp://[user:pass@]host:port` (STARTTLS when offered) or `smtps://` (TLS); empty = no email.',
    ),
  emailFrom: z
    .string()
    .describe('Sender of notification email, e.g. `Clearance <clearance@example.com>`.'),
  notifyAllowAddresses: z
    .string()
    .describe(
      'Address classes webhook and Slack targets may resolve to besides public ones (comma-separated: `loopback`, `private`, `uniqueLocal`, `linkLocal`, …); empty = public addresses only. Checked when a target is configured and at every delivery.',
    ),
  notifyTimeoutSeconds: z.coerce
    .number()
    .positive()
    .max(120)
    .describe('Time one webhook or Slack attempt may take, connection to answer.'),
  notifyRetryBaseSeconds: z.coerce
    .number()
    .positive()
    .describe(
      'First retry delay ceiling: after the n-th failed attempt the next waits a uniform random time below min(`notifyRetryMaxSeconds`, base × 2^(n−1)), at least 1 s.',
    ),
  notifyRetryMaxSeconds: z.coerce
    .number()
    .positive()
    .describe('Largest wait between two attempts of one delivery.'),
  notifyRetryDeadlineSeconds: z.coerce
    .number()
    .positive()
    .describe(
      'A delivery gives up when its next attempt would fall this long after its first attempt.',
    ),
  webhookDisableAfterFailures: z.coerce
    .number()
    .int()
    .min(0)
    .describe(
      'A webhook subscription whose deliveries fail for good this many times in a row is disabled, with an audit entry (0 = never).',
    ),
  webhookSecretOverlapSeconds: z.coerce
    .number()
    .int()
    .min(0)
    .describe('After a secret rotation, how long the previous secret keeps signing deliveries.'),
  notifyDigestIntervalSeconds: z.coerce
    .number()
    .int()
    .min(0)
    .describe(
      'How often digest emails (rules with `digest: true`) are sent, as the recurring job `notify.digest` (0 = never).',
    ),
});

export type Config = Readonly<z.infer<typeof configSchema>>;

const configDefaults: z.infer<typeof configSchema> = {
  // Stands for the SQLite file inside dataDir, wherever that is set (resolved in loadConfig).
  database: 'sqlite:<dataDir>/clearance.db',
  dataDir: '.clearance',
  host: '127.0.0.1',
  port: 8080,
  bodyLimitBytes: 64 * 1024 * 1024,
  authFailureLimit: 20,
  authFailureWindowSeconds: 60,
  accessDeniedWindowSeconds: 60,
  accessDeniedPerPrincipal: 20,
  principalCacheMaxAgeSeconds: 60,
  trustProxy: '',
  uploadQuotaBytes: 2 * 1024 * 1024 * 1024,
  uploadQuotaWindowSeconds: 24 * 3600,
  maxEvidenceFilesPerVersion: 1000,
  maxTagsPerRegisteredModel: 100,
  maxTagsPerModelVersion: 100,
  maxAliasesPerRegisteredModel: 100,
  maxConcurrentEvidencePacks: 4,
  evidencePackStallSeconds: 60,
  blobGcIntervalSeconds: 3600,
  blobGcGraceSeconds: 3600,
  blobStore: 'file',
  s3Bucket: '',
  s3Prefix: '',
  s3Endpoint: '',
  s3Region: 'us-east-1',
  s3AccessKeyId: '',
  s3SecretAccessKey: '',
  s3ForcePathStyle: false,
  sqliteSynchronous: 'full',
  checkpointIntervalSeconds: 60,
  stateCheckIntervalSeconds: 3600,
  emergencyExpiryIntervalSeconds: 30,
  requestExpiryIntervalSeconds: 300,
  reviewEscalationIntervalSeconds: 60,
  rolloutEvaluateIntervalSeconds: 30,
  queuePurgeIntervalSeconds: 3600,
  queueRetentionSeconds: 7 * 24 * 3600,
  jobPollIntervalSeconds: 1,
  jobLeaseSeconds: 60,
  auditSigningKeyFile: '',
  logLevel: 'info',
  server: 'http://127.0.0.1:8080',
  token: '',
  mlflowTrackingToken: '',
  oidcIssuer: '',
  oidcAudience: 'clearance',
  oidcRolesClaim: 'clearance_roles',
  oidcClientId: '',
  oidcRedirectPath: '/sign-in/oidc',
  oidcScope: 'openid',
  oidcResource: '',
  gateTimeBudgetSeconds: 30,
  gateMemoryBudgetMb: 1024,
  gateWorkers: 2,
  gateAdvisoryQueuePerWorker: 4,
  gateGovernedQueuePerWorker: 32,
  prometheusUrl: '',
  prometheusTimeoutSeconds: 10,
  publicUrl: 'http://127.0.0.1:8080',
  mlflowGovernedAliases: 'production,champion',
  notificationRules: [],
  smtpUrl: '',
  emailFrom: '',
  notifyAllowAddresses: '',
  notifyTimeoutSeconds: 10,
  notifyRetryBaseSeconds: 10,
  notifyRetryMaxSeconds: 3600,
  notifyRetryDeadlineSeconds: 24 * 3600,
  webhookDisableAfterFailures: 5,
  webhookSecretOverlapSeconds: 24 * 3600,
  notifyDigestIntervalSeconds: 24 * 3600,
};

/** Environment variable for each key; DATABASE_URL is honoured as the convention it is. */
const configEnvironment: Record<keyof Config, readonly string[]> = {
  database: ['CLEARANCE_DATABASE', 'DATABASE_URL'],
  dataDir: ['CLEARANCE_DATA_DIR'],
  host: ['CLEARANCE_HOST'],
  port: ['CLEARANCE_PORT'],
  bodyLimitBytes: ['CLEARANCE_BODY_LIMIT_BYTES'],
  authFailureLimit: ['CLEARANCE_AUTH_FAILURE_LIMIT'],
  authFailureWindowSeconds: ['CLEARANCE_AUTH_FAILURE_WINDOW_SECONDS'],
  accessDeniedWindowSeconds: ['CLEARANCE_ACCESS_DENIED_WINDOW_SECONDS'],
  accessDeniedPerPrincipal: ['CLEARANCE_ACCESS_DENIED_PER_PRINCIPAL'],
  principalCacheMaxAgeSeconds: ['CLEARANCE_PRINCIPAL_CACHE_MAX_AGE_SECONDS'],
  trustProxy: ['CLEARANCE_TRUST_PROXY'],
  uploadQuotaBytes: ['CLEARANCE_UPLOAD_QUOTA_BYTES'],
  uploadQuotaWindowSeconds: ['CLEARANCE_UPLOAD_QUOTA_WINDOW_SECONDS'],
  maxEvidenceFilesPerVersion: ['CLEARANCE_MAX_EVIDENCE_FILES_PER_VERSION'],
  maxTagsPerRegisteredModel: ['CLEARANCE_MAX_TAGS_PER_REGISTERED_MODEL'],
  maxTagsPerModelVersion: ['CLEARANCE_MAX_TAGS_PER_MODEL_VERSION'],
  maxAliasesPerRegisteredModel: ['CLEARANCE_MAX_ALIASES_PER_REGISTERED_MODEL'],
  maxConcurrentEvidencePacks: ['CLEARANCE_MAX_CONCURRENT_EVIDENCE_PACKS'],
  evidencePackStallSeconds: ['CLEARANCE_EVIDENCE_PACK_STALL_SECONDS'],
  blobGcIntervalSeconds: ['CLEARANCE_BLOB_GC_INTERVAL_SECONDS'],
  blobGcGraceSeconds: ['CLEARANCE_BLOB_GC_GRACE_SECONDS'],
  blobStore: ['CLEARANCE_BLOB_STORE'],
  s3Bucket: ['CLEARANCE_S3_BUCKET'],
  s3Prefix: ['CLEARANCE_S3_PREFIX'],
  s3Endpoint: ['CLEARANCE_S3_ENDPOINT'],
  s3Region: ['CLEARANCE_S3_REGION'],
  s3AccessKeyId: ['CLEARANCE_S3_ACCESS_KEY_ID'],
  s3SecretAccessKey: ['CLEARANCE_S3_SECRET_ACCESS_KEY'],
  s3ForcePathStyle: ['CLEARANCE_S3_FORCE_PATH_STYLE'],
  sqliteSynchronous: ['CLEARANCE_SQLITE_SYNCHRONOUS'],
  checkpointIntervalSeconds: ['CLEARANCE_CHECKPOINT_INTERVAL_SECONDS'],
  stateCheckIntervalSeconds: ['CLEARANCE_STATE_CHECK_INTERVAL_SECONDS'],
  emergencyExpiryIntervalSeconds: ['CLEARANCE_EMERGENCY_EXPIRY_INTERVAL_SECONDS'],
  requestExpiryIntervalSeconds: ['CLEARANCE_REQUEST_EXPIRY_INTERVAL_SECONDS'],
  reviewEscalationIntervalSeconds: ['CLEARANCE_REVIEW_ESCALATION_INTERVAL_SECONDS'],
  rolloutEvaluateIntervalSeconds: ['CLEARANCE_ROLLOUT_EVALUATE_INTERVAL_SECONDS'],
  queuePurgeIntervalSeconds: ['CLEARANCE_QUEUE_PURGE_INTERVAL_SECONDS'],
  queueRetentionSeconds: ['CLEARANCE_QUEUE_RETENTION_SECONDS'],
  jobPollIntervalSeconds: ['CLEARANCE_JOB_POLL_INTERVAL_SECONDS'],
  jobLeaseSeconds: ['CLEARANCE_JOB_LEASE_SECONDS'],
  auditSigningKeyFile: ['CLEARANCE_AUDIT_SIGNING_KEY_FILE'],
  logLevel: ['CLEARANCE_LOG_LEVEL'],
  server: ['CLEARANCE_SERVER'],
  token: ['CLEARANCE_TOKEN'],
  mlflowTrackingToken: ['MLFLOW_TRACKING_TOKEN'],
  oidcIssuer: ['CLEARANCE_OIDC_ISSUER'],
  oidcAudience: ['CLEARANCE_OIDC_AUDIENCE'],
  oidcRolesClaim: ['CLEARANCE_OIDC_ROLES_CLAIM'],
  oidcClientId: ['CLEARANCE_OIDC_CLIENT_ID'],
  oidcRedirectPath: ['CLEARANCE_OIDC_REDIRECT_PATH'],
  oidcScope: ['CLEARANCE_OIDC_SCOPE'],
  oidcResource: ['CLEARANCE_OIDC_RESOURCE'],
  gateTimeBudgetSeconds: ['CLEARANCE_GATE_TIME_BUDGET_SECONDS'],
  gateMemoryBudgetMb: ['CLEARANCE_GATE_MEMORY_BUDGET_MB'],
  gateWorkers: ['CLEARANCE_GATE_WORKERS'],
  gateAdvisoryQueuePerWorker: ['CLEARANCE_GATE_ADVISORY_QUEUE_PER_WORKER'],
  gateGovernedQueuePerWorker: ['CLEARANCE_GATE_GOVERNED_QUEUE_PER_WORKER'],
  prometheusUrl: ['CLEARANCE_PROMETHEUS_URL'],
  prometheusTimeoutSeconds: ['CLEARANCE_PROMETHEUS_TIMEOUT_SECONDS'],
  publicUrl: ['CLEARANCE_PUBLIC_URL'],
  notificationRules: ['CLEARANCE_NOTIFICATION_RULES'],
  smtpUrl: ['CLEARANCE_SMTP_URL'],
  emailFrom: ['CLEARANCE_EMAIL_FROM'],
  notifyAllowAddresses: ['CLEARANCE_NOTIFY_ALLOW_ADDRESSES'],
  mlflowGovernedAliases: ['CLEARANCE_MLFLOW_GOVERNED_ALIASES'],
  notifyTimeoutSeconds: ['CLEARANCE_NOTIFY_TIMEOUT_SECONDS'],
  notifyRetryBaseSeconds: ['CLEARANCE_NOTIFY_RETRY_BASE_SECONDS'],
  notifyRetryMaxSeconds: ['CLEARANCE_NOTIFY_RETRY_MAX_SECONDS'],
  notifyRetryDeadlineSeconds: ['CLEARANCE_NOTIFY_RETRY_DEADLINE_SECONDS'],
  webhookDisableAfterFailures: ['CLEARANCE_WEBHOOK_DISABLE_AFTER_FAILURES'],
  webhookSecretOverlapSeconds: ['CLEARANCE_WEBHOOK_SECRET_OVERLAP_SECONDS'],
  notifyDigestIntervalSeconds: ['CLEARANCE_NOTIFY_DIGEST_INTERVAL_SECONDS'],
};

function fromEnvironment(env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, names] of Object.entries(configEnvironment)) {
    const name = names.find((n) => env[n] !== undefined && env[n] !== '');
    if (name !== undefined) out[key] = env[name] as string;
  }
  return out;
}

function fromFile(file: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = parseYaml(readFileSync(file, 'utf8'));
  } catch (cause) {
    throw new ClearanceError('invalid_input', `Cannot read config file ${file}.`, {
      cause,
      problems: [{ message: String(cause), fix: 'Check the path and that it is YAML or JSON.' }],
    });
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ClearanceError('invalid_input', `Config file ${file} must hold a mapping of keys.`);
  }
  return parsed as Record<string, unknown>;
}

/** A number coerced from text that is none ("abc" → NaN): zod would say "received NaN". */
function numberExpected(issue: { code: string; expected?: unknown }): boolean {
  return issue.code === 'invalid_type' && issue.expected === 'number';
}

/** Says which text was not a number, as given in the file, environment or flag. */
function notANumber(merged: Record<string, unknown>, path: readonly PropertyKey[]): string {
  let value: unknown = merged;
  for (const key of path)
    value =
      value !== null && typeof value === 'object'
        ? (value as Record<PropertyKey, unknown>)[key]
        : undefined;
  return `${JSON.stringify(String(value))} is not a number`;
}

export interface LoadConfigOptions {
  /** Command-line flags, already named as config keys; undefined values are ignored. */
  flags?: Partial<Record<keyof Config, string | number | undefined>>;
  env?: NodeJS.ProcessEnv;
  /** A YAML or JSON file; defaults to CLEARANCE_CONFIG when set. */
  file?: string;
}

/** Builds the frozen Config, or throws one ClearanceError listing every invalid key. */
export function loadConfig(options: LoadConfigOptions = {}): Config {
  const env = options.env ?? process.env;
  const file = options.file ?? env.CLEARANCE_CONFIG;
  const flags = Object.fromEntries(
    Object.entries(options.flags ?? {}).filter(([, v]) => v !== undefined),
  );
  const merged = {
    ...configDefaults,
    ...(file ? fromFile(file) : {}),
    ...fromEnvironment(env),
    ...flags,
  };
  if (merged.database === configDefaults.database) {
    merged.database = `sqlite:${defaultSqliteFile(String(merged.dataDir))}`;
  }
  const result = configSchema.safeParse(merged);
  const issues = result.success
    ? crossKeyIssues(result.data)
    : result.error.issues.map((i) => ({
        key: i.path.join('.'),
        message: numberExpected(i) ? notANumber(merged, i.path) : i.message,
      }));
  if (!result.success || issues.length > 0) {
    const problems: Problem[] = issues.map((issue) => {
      const key = issue.key || '(config)';
      const names = configEnvironment[key.split('.')[0] as keyof Config]?.join(' or ');
      return {
        message: `${key}: ${issue.message}`,
        fix: names ? `Set it in the config file, with ${names}, or with its flag.` : 'Remove it.',
      };
    });
    throw new ClearanceError('invalid_input', 'The configuration is invalid.', { problems });
  }
  const problems = [...portProblems(result.data), ...notificationProblems(result.data)];
  if (problems.length > 0) {
    throw new ClearanceError('invalid_input', 'The configuration is invalid.', { problems });
  }
  return Object.freeze(result.data);
}

/** Keys that are valid alone but not together. */
function crossKeyIssues(config: z.infer<typeof configSchema>): { key: string; message: string }[] {
  const issues: { key: string; message: string }[] = [];
  if (config.oidcClientId !== '' && config.oidcIssuer === '')
    issues.push({
      key: 'oidcClientId',
      message: 'needs oidcIssuer, the issuer it is registered at',
    });
  if (config.blobStore !== 's3') return issues;
  if (config.s3Bucket === '')
    issues.push({ key: 's3Bucket', message: 'required when blobStore is s3' });
  if ((config.s3AccessKeyId === '') !== (config.s3SecretAccessKey === '')) {
    const missing = config.s3AccessKeyId === '' ? 's3AccessKeyId' : 's3SecretAccessKey';
    issues.push({
      key: missing,
      message: 'set both s3AccessKeyId and s3SecretAccessKey, or neither',
    });
  }
  return issues;
}

/** Address classes `notifyAllowAddresses` may name (ipaddr.js ranges, `metadata`, `ipv4Compatible`). */
const addressClasses = new Set([
  'loopback',
  'private',
  'uniqueLocal',
  'linkLocal',
  'carrierGradeNat',
  'unspecified',
  'multicast',
  'reserved',
  'broadcast',
  'benchmarking',
  'amt',
  'as112',
  'deprecated',
  'orchid2',
  'droneRemoteIdProtocolEntityTags',
  'teredo',
  '6to4',
  'rfc6145',
  'rfc6052',
  'ipv4Mapped',
  'discard',
  'metadata',
  'ipv4Compatible',
]);

/**
 * The Fetch standard's "bad ports" (https://fetch.spec.whatwg.org/#bad-port): browsers, Node's
 * fetch and so the CLI refuse to connect to them, so a server there would never be reached.
 */
export const fetchBadPorts: readonly number[] = [
  1, 7, 9, 11, 13, 15, 17, 19, 20, 21, 22, 23, 25, 37, 42, 43, 53, 69, 77, 79, 87, 95, 101, 102,
  103, 104, 109, 110, 111, 113, 115, 117, 119, 123, 135, 137, 139, 143, 161, 179, 389, 427, 465,
  512, 513, 514, 515, 526, 530, 531, 532, 540, 548, 554, 556, 563, 587, 601, 636, 989, 990, 993,
  995, 1719, 1720, 1723, 2049, 3659, 4045, 4190, 5060, 5061, 6000, 6566, 6665, 6666, 6667, 6668,
  6669, 6679, 6697, 10080,
];

function portProblems(config: z.infer<typeof configSchema>): Problem[] {
  if (!fetchBadPorts.includes(config.port)) return [];
  return [
    {
      message: `port: ${config.port} is one HTTP clients refuse to connect to (the Fetch standard's bad ports): browsers and the clearance CLI would never reach the server.`,
      fix: 'Choose another port (--port 8080, CLEARANCE_PORT or port in the config file).',
    },
  ];
}

/** Notification settings that each key alone cannot check. */
function notificationProblems(config: z.infer<typeof configSchema>): Problem[] {
  const problems: Problem[] = [];
  const emailRules = config.notificationRules.filter((r) => r.channel === 'email');
  if (emailRules.length > 0 && (config.smtpUrl === '' || config.emailFrom === '')) {
    problems.push({
      message: `notificationRules: ${emailRules.length} email rule(s) but smtpUrl or emailFrom is empty.`,
      fix: 'Set smtpUrl (CLEARANCE_SMTP_URL) and emailFrom (CLEARANCE_EMAIL_FROM), or remove the email rules.',
    });
  }
  for (const name of allowedAddressClasses(config)) {
    if (!addressClasses.has(name)) {
      problems.push({
        message: `notifyAllowAddresses: "${name}" is not an address class.`,
        fix: `Use some of: ${[...addressClasses].join(', ')}.`,
      });
    }
  }
  return problems;
}

/** `notifyAllowAddresses` as a list. */
export function allowedAddressClasses(config: Pick<Config, 'notifyAllowAddresses'>): string[] {
  return config.notifyAllowAddresses
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '');
}

/**
 * `clearance.db` in the data directory. Installs from before the file followed the data
 * directory kept it in `.clearance/`: while it is there and the data directory holds none, it is
 * still used, so moving `dataDir` never starts a server on an empty database beside its records.
 */
function defaultSqliteFile(dataDir: string): string {
  const current = join(dataDir, 'clearance.db');
  const legacy = join('.clearance', 'clearance.db');
  return !existsSync(current) && existsSync(legacy) ? legacy : current;
}

/** Markdown table of every key, for docs/reference/config.md. */
export function configReference(): string {
  const rows = Object.entries(configSchema.shape).map(([key, schema]) => {
    const env = configEnvironment[key as keyof Config].map((n) => `\`${n}\``).join(', ');
    const fallback = JSON.stringify(configDefaults[key as keyof Config]);
    return `| \`${key}\` | ${env} | \`${fallback}\` | ${schema.description ?? ''} |`;
  });
  return ['| key | environment | default | meaning |', '| --- | --- | --- | --- |', ...rows].join(
    '\n',
  );
}

/** `mlflowGovernedAliases` as a list. */
export function governedAliases(config: Pick<Config, 'mlflowGovernedAliases'>): string[] {
  return config.mlflowGovernedAliases
    .split(',')
    .map((alias) => alias.trim())
    .filter((alias) => alias !== '');
}

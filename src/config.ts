/**
 * The only module that reads the environment. One Zod schema; values layer as
 * defaults ← config file ← environment ← flags, are validated once (every invalid key reported),
 * then frozen. docs/reference/config.md is generated from the `.describe()` texts. Each area's
 * keys, with their defaults and environment variables, are a section in `config/`, joined here
 * in the order of the reference.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { accessConfig } from './config/access-config.js';
import { clientConfig } from './config/client-config.js';
import { gateRunConfig } from './config/gate-run-config.js';
import { jobConfig } from './config/job-config.js';
import { limitConfig } from './config/limit-config.js';
import { governedAliasProblems, mlflowConfig } from './config/mlflow-config.js';
import { notificationConfig, notificationProblems } from './config/notification-config.js';
import { oidcConfig } from './config/oidc-config.js';
import { operationConfig } from './config/operation-config.js';
import { rolloutConfig } from './config/rollout-config.js';
import { portProblems, serverConfig } from './config/server-config.js';
import { storageConfig } from './config/storage-config.js';
import { ClearanceError, type Problem } from './domain/index.js';

export { governedAliases } from './config/mlflow-config.js';
export { allowedAddressClasses } from './config/notification-config.js';
export { fetchBadPorts } from './config/server-config.js';

/** The sections in the order of docs/reference/config.md. */
const configSchema = z.strictObject({
  ...serverConfig.schema,
  ...accessConfig.schema,
  ...limitConfig.schema,
  ...storageConfig.schema,
  ...jobConfig.schema,
  ...operationConfig.schema,
  ...clientConfig.schema,
  ...oidcConfig.schema,
  ...gateRunConfig.schema,
  ...rolloutConfig.schema,
  ...mlflowConfig.schema,
  ...notificationConfig.schema,
});

export type Config = Readonly<z.infer<typeof configSchema>>;

const configDefaults: z.infer<typeof configSchema> = {
  ...serverConfig.defaults,
  ...accessConfig.defaults,
  ...limitConfig.defaults,
  ...storageConfig.defaults,
  ...jobConfig.defaults,
  ...operationConfig.defaults,
  ...clientConfig.defaults,
  ...oidcConfig.defaults,
  ...gateRunConfig.defaults,
  ...rolloutConfig.defaults,
  ...mlflowConfig.defaults,
  ...notificationConfig.defaults,
};

/** Environment variable for each key; DATABASE_URL is honoured as the convention it is. */
const configEnvironment: Record<keyof Config, readonly string[]> = {
  ...serverConfig.environment,
  ...accessConfig.environment,
  ...limitConfig.environment,
  ...storageConfig.environment,
  ...jobConfig.environment,
  ...operationConfig.environment,
  ...clientConfig.environment,
  ...oidcConfig.environment,
  ...gateRunConfig.environment,
  ...rolloutConfig.environment,
  ...mlflowConfig.environment,
  ...notificationConfig.environment,
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
/**
 * Whether the environment asks for stack traces with errors (`CLEARANCE_DEBUG=1`, as the CLI's
 * `--debug`): read apart from the configuration, since an error while loading it is one to show.
 */
export function debugRequested(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.CLEARANCE_DEBUG === '1';
}

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
  const problems = [
    ...portProblems(result.data),
    ...notificationProblems(result.data),
    ...governedAliasProblems(result.data),
  ];
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

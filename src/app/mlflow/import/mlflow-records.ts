/**
 * What `clearance import mlflow` reads from an MLflow tracking server, as MLflow's
 * `model_registry.proto` and REST API define it (snake_case, millisecond timestamps, stages and
 * statuses as enum names). It is untrusted input: every response is parsed with these schemas
 * before the import looks at it, and fields the import does not use are ignored. These types are
 * the import's own: the MLflow-compatible server (app/mlflow/) defines what it answers apart.
 */
import { z } from 'zod';

const tag = z.object({ key: z.string(), value: z.string().optional().default('') });

/** `RegisteredModelAlias`: an alias pointing at a version number (as text). */
const alias = z.object({ alias: z.string(), version: z.string() });

export const mlflowModelVersion = z.object({
  name: z.string().min(1),
  version: z.string().min(1),
  creation_timestamp: z.coerce.number().int().nonnegative().optional(),
  last_updated_timestamp: z.coerce.number().int().nonnegative().optional(),
  user_id: z.string().optional(),
  current_stage: z.string().optional().default('None'),
  description: z.string().optional(),
  source: z.string().optional().default(''),
  run_id: z.string().optional(),
  status: z.string().optional().default('READY'),
  status_message: z.string().optional(),
  tags: z.array(tag).optional().default([]),
  run_link: z.string().optional(),
  /** MLflow 2.3+: the aliases that point at this version. */
  aliases: z.array(z.string()).optional().default([]),
});

export const mlflowRegisteredModel = z.object({
  name: z.string().min(1),
  creation_timestamp: z.coerce.number().int().nonnegative().optional(),
  last_updated_timestamp: z.coerce.number().int().nonnegative().optional(),
  user_id: z.string().optional(),
  description: z.string().optional(),
  tags: z.array(tag).optional().default([]),
  aliases: z.array(alias).optional().default([]),
});

/** `SearchRegisteredModels.Response`: an empty page omits the list. */
export const searchRegisteredModelsResponse = z.object({
  registered_models: z.array(mlflowRegisteredModel).optional().default([]),
  next_page_token: z.string().optional(),
});

/** `SearchModelVersions.Response`. */
export const searchModelVersionsResponse = z.object({
  model_versions: z.array(mlflowModelVersion).optional().default([]),
  next_page_token: z.string().optional(),
});

/** `GetRegisteredModel.Response`. */
export const getRegisteredModelResponse = z.object({ registered_model: mlflowRegisteredModel });

export type MlflowModelVersion = z.output<typeof mlflowModelVersion>;
export type MlflowRegisteredModel = z.output<typeof mlflowRegisteredModel>;

/**
 * An MLflow registry being read: every page is fetched and parsed before it is yielded, and a
 * failure (unreachable, refused, malformed) is thrown as an `invalid_input` ClearanceError that
 * names the server and the fix.
 */
export interface MlflowSource {
  /** The server's base URL as the import records it (no credentials). */
  readonly url: string;
  /** Every registered model, or just the named ones (each read with registered-models/get). */
  models(names?: readonly string[]): AsyncIterable<MlflowRegisteredModel>;
  /** Every version of one model, page after page. */
  versions(model: string): AsyncIterable<MlflowModelVersion>;
}

/** Tags as one object, keys sorted, so the same tags compare and hash the same. */
export function tagObject(tags: readonly { key: string; value: string }[]): Record<string, string> {
  const sorted = [...tags].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return Object.fromEntries(sorted.map((t) => [t.key, t.value]));
}

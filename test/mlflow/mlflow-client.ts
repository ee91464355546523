/**
 * A small typed client of MLflow's Model Registry REST API (2.0), written from MLflow's
 * definitions (mlflow/protos/model_registry.proto and the REST API docs) the way MLflow's Python
 * client calls it: GET with query parameters (lists as repeated parameters), POST/PATCH/DELETE
 * with a JSON body, `Authorization: Bearer <MLFLOW_TRACKING_TOKEN>`. Errors come back as
 * MlflowRestError with MLflow's `error_code`, `message` and the HTTP status.
 */

export type Stage = 'None' | 'Staging' | 'Production' | 'Archived';

export interface ModelVersionTag {
  key: string;
  value: string;
}

export interface ModelVersion {
  name: string;
  version: string;
  creation_timestamp: number;
  last_updated_timestamp: number;
  user_id: string;
  current_stage: Stage;
  description: string;
  source: string;
  run_id: string;
  status: 'PENDING_REGISTRATION' | 'FAILED_REGISTRATION' | 'READY';
  status_message: string;
  run_link: string;
  tags: ModelVersionTag[];
  aliases: string[];
}

export interface RegisteredModel {
  name: string;
  creation_timestamp: number;
  last_updated_timestamp: number;
  user_id: string;
  description: string;
  latest_versions: ModelVersion[];
  tags: ModelVersionTag[];
  aliases: { alias: string; version: string }[];
}

export interface SearchParams {
  filter?: string;
  max_results?: number;
  order_by?: string[];
  page_token?: string;
}

export class MlflowRestError extends Error {
  constructor(
    readonly status: number,
    readonly errorCode: string,
    message: string,
  ) {
    super(`${errorCode} (${status}): ${message}`);
    this.name = 'MlflowRestError';
  }
}

type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';
type Query = Record<string, string | number | readonly string[] | undefined>;

export interface MlflowClientOptions {
  /** MLFLOW_TRACKING_URI */
  trackingUri: string;
  /** MLFLOW_TRACKING_TOKEN */
  token?: string;
  /** `/api/2.0/mlflow` (the Python client) or `/ajax-api/2.0/mlflow` (MLflow's web UI). */
  prefix?: string;
}

export function createMlflowClient(options: MlflowClientOptions) {
  const prefix = options.prefix ?? '/api/2.0/mlflow';

  async function call<T>(method: Method, endpoint: string, body?: Query | object): Promise<T> {
    const url = new URL(`${prefix}/${endpoint}`, options.trackingUri);
    const headers: Record<string, string> = {};
    if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
    let payload: string | undefined;
    if (method === 'GET') {
      for (const [key, value] of Object.entries((body ?? {}) as Query)) {
        if (value === undefined) continue;
        if (Array.isArray(value)) for (const item of value) url.searchParams.append(key, item);
        else url.searchParams.set(key, String(value));
      }
    } else {
      headers['content-type'] = 'application/json';
      payload = JSON.stringify(body ?? {});
    }
    const response = await fetch(url, { method, headers, ...(payload ? { body: payload } : {}) });
    const text = await response.text();
    const json = text === '' ? {} : (JSON.parse(text) as Record<string, unknown>);
    if (!response.ok) {
      throw new MlflowRestError(
        response.status,
        String(json.error_code ?? 'UNKNOWN'),
        String(json.message ?? text),
      );
    }
    return json as T;
  }

  return {
    call,
    createRegisteredModel: (input: {
      name: string;
      tags?: ModelVersionTag[];
      description?: string;
    }) =>
      call<{ registered_model: RegisteredModel }>('POST', 'registered-models/create', input).then(
        (r) => r.registered_model,
      ),
    getRegisteredModel: (name: string) =>
      call<{ registered_model: RegisteredModel }>('GET', 'registered-models/get', { name }).then(
        (r) => r.registered_model,
      ),
    renameRegisteredModel: (name: string, newName: string) =>
      call('POST', 'registered-models/rename', { name, new_name: newName }),
    updateRegisteredModel: (name: string, description: string) =>
      call('PATCH', 'registered-models/update', { name, description }),
    deleteRegisteredModel: (name: string) => call('DELETE', 'registered-models/delete', { name }),
    searchRegisteredModels: (params: SearchParams = {}) =>
      call<{ registered_models?: RegisteredModel[]; next_page_token?: string }>(
        'GET',
        'registered-models/search',
        params,
      ),
    getLatestVersions: (name: string, stages?: Stage[]) =>
      call<{ model_versions?: ModelVersion[] }>('POST', 'registered-models/get-latest-versions', {
        name,
        ...(stages ? { stages } : {}),
      }).then((r) => r.model_versions ?? []),
    setRegisteredModelTag: (name: string, key: string, value: string) =>
      call('POST', 'registered-models/set-tag', { name, key, value }),
    deleteRegisteredModelTag: (name: string, key: string) =>
      call('DELETE', 'registered-models/delete-tag', { name, key }),
    setRegisteredModelAlias: (name: string, alias: string, version: string) =>
      call<Record<string, never>>('POST', 'registered-models/alias', { name, alias, version }),
    deleteRegisteredModelAlias: (name: string, alias: string) =>
      call('DELETE', 'registered-models/alias', { name, alias }),
    getModelVersionByAlias: (name: string, alias: string) =>
      call<{ model_version: ModelVersion }>('GET', 'registered-models/alias', { name, alias }).then(
        (r) => r.model_version,
      ),
    createModelVersion: (input: {
      name: string;
      source: string;
      run_id?: string;
      tags?: ModelVersionTag[];
      run_link?: string;
      description?: string;
    }) =>
      call<{ model_version: ModelVersion }>('POST', 'model-versions/create', input).then(
        (r) => r.model_version,
      ),
    getModelVersion: (name: string, version: string) =>
      call<{ model_version: ModelVersion }>('GET', 'model-versions/get', { name, version }).then(
        (r) => r.model_version,
      ),
    updateModelVersion: (name: string, version: string, description: string) =>
      call('PATCH', 'model-versions/update', { name, version, description }),
    deleteModelVersion: (name: string, version: string) =>
      call('DELETE', 'model-versions/delete', { name, version }),
    searchModelVersions: (params: SearchParams = {}) =>
      call<{ model_versions?: ModelVersion[]; next_page_token?: string }>(
        'GET',
        'model-versions/search',
        params,
      ),
    getModelVersionDownloadUri: (name: string, version: string) =>
      call<{ artifact_uri: string }>('GET', 'model-versions/get-download-uri', {
        name,
        version,
      }).then((r) => r.artifact_uri),
    transitionModelVersionStage: (input: {
      name: string;
      version: string;
      stage: Stage;
      archive_existing_versions?: boolean;
    }) =>
      call<{ model_version: ModelVersion }>('POST', 'model-versions/transition-stage', {
        archive_existing_versions: false,
        ...input,
      }).then((r) => r.model_version),
    setModelVersionTag: (name: string, version: string, key: string, value: string) =>
      call('POST', 'model-versions/set-tag', { name, version, key, value }),
    deleteModelVersionTag: (name: string, version: string, key: string) =>
      call('DELETE', 'model-versions/delete-tag', { name, version, key }),
  };
}

export type MlflowClient = ReturnType<typeof createMlflowClient>;

/** The MLflow error a call answers, or a failure when it succeeds. */
export async function mlflowRefusal(call: Promise<unknown>): Promise<MlflowRestError> {
  try {
    await call;
  } catch (error) {
    if (error instanceof MlflowRestError) return error;
    throw error;
  }
  throw new Error('expected the MLflow call to be refused');
}

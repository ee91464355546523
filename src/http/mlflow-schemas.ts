/**
 * Request and response schemas of the MLflow-compatible routes, after MLflow's
 * `model_registry.proto`: snake_case, versions as text, timestamps as integer milliseconds.
 * Fields MLflow's clients send that Clearance does not read (`model_id`, `deployment_job_id`, …)
 * are accepted and ignored, as a proto parser ignores unknown fields.
 */
const text = { type: 'string' } as const;
const millis = { type: 'integer' } as const;
const tag = {
  type: 'object',
  properties: { key: text, value: text },
  required: ['key'],
} as const;
const tags = { type: 'array', items: tag, maxItems: 1000 } as const;
const stage = { type: 'string', enum: ['None', 'Staging', 'Production', 'Archived'] } as const;

const modelVersionSchema = {
  type: 'object',
  properties: {
    name: text,
    version: text,
    creation_timestamp: millis,
    last_updated_timestamp: millis,
    user_id: text,
    current_stage: stage,
    description: text,
    source: text,
    run_id: text,
    status: { type: 'string', enum: ['PENDING_REGISTRATION', 'FAILED_REGISTRATION', 'READY'] },
    status_message: text,
    run_link: text,
    tags: { type: 'array', items: { type: 'object', properties: { key: text, value: text } } },
    aliases: { type: 'array', items: text },
  },
  required: ['name', 'version', 'current_stage', 'status'],
} as const;

const registeredModelSchema = {
  type: 'object',
  properties: {
    name: text,
    creation_timestamp: millis,
    last_updated_timestamp: millis,
    user_id: text,
    description: text,
    latest_versions: { type: 'array', items: modelVersionSchema },
    tags: { type: 'array', items: { type: 'object', properties: { key: text, value: text } } },
    aliases: {
      type: 'array',
      items: { type: 'object', properties: { alias: text, version: text } },
    },
  },
  required: ['name'],
} as const;

export const oneModel = {
  type: 'object',
  properties: { registered_model: registeredModelSchema },
  required: ['registered_model'],
} as const;

export const oneVersion = {
  type: 'object',
  properties: { model_version: modelVersionSchema },
  required: ['model_version'],
} as const;

export const versionList = {
  type: 'object',
  properties: {
    model_versions: { type: 'array', items: modelVersionSchema },
    next_page_token: text,
  },
  required: ['model_versions'],
} as const;

export const modelList = {
  type: 'object',
  properties: {
    registered_models: { type: 'array', items: registeredModelSchema },
    next_page_token: text,
  },
  required: ['registered_models'],
} as const;

export const emptyReply = { type: 'object', properties: {} } as const;

const name = { type: 'string', minLength: 1, maxLength: 256 } as const;
const version = { type: 'string', minLength: 1, maxLength: 100 } as const;

export const nameQuery = {
  type: 'object',
  properties: { name },
  required: ['name'],
} as const;

export const nameVersionQuery = {
  type: 'object',
  properties: { name, version },
  required: ['name', 'version'],
} as const;

export const aliasQuery = {
  type: 'object',
  properties: { name, alias: name },
  required: ['name', 'alias'],
} as const;

export const searchQuery = {
  type: 'object',
  properties: {
    filter: { type: 'string', maxLength: 4096 },
    max_results: { type: 'integer' },
    // Repeated `order_by=` parameters arrive as a list; one arrives as a list of one.
    order_by: { type: 'array', items: { type: 'string', maxLength: 200 }, maxItems: 10 },
    page_token: { type: 'string', maxLength: 200 },
  },
} as const;

export const createModelBody = {
  type: 'object',
  properties: { name, tags, description: { type: 'string', maxLength: 5000 } },
  required: ['name'],
} as const;

export const latestVersionsBody = {
  type: 'object',
  properties: { name, stages: { type: 'array', items: text, maxItems: 4 } },
  required: ['name'],
} as const;

export const latestVersionsQuery = {
  type: 'object',
  properties: { name, stages: { type: 'array', items: text, maxItems: 4 } },
  required: ['name'],
} as const;

export const createVersionBody = {
  type: 'object',
  properties: {
    name,
    source: { type: 'string', minLength: 1, maxLength: 2000 },
    run_id: { type: 'string', maxLength: 256 },
    run_link: { type: 'string', maxLength: 2000 },
    description: { type: 'string', maxLength: 5000 },
    tags,
  },
  required: ['name', 'source'],
} as const;

export const transitionBody = {
  type: 'object',
  properties: {
    name,
    version,
    stage: text,
    archive_existing_versions: { type: 'boolean' },
  },
  required: ['name', 'version', 'stage'],
} as const;

export const setAliasBody = {
  type: 'object',
  properties: { name, alias: name, version },
  required: ['name', 'alias', 'version'],
} as const;

// MLflow's limits (mlflow/utils/validation.py) are checked by the use cases, so a too-long key
// or value is INVALID_PARAMETER_VALUE with MLflow's wording rather than a schema error.
const tagKey = { type: 'string' } as const;
const tagValue = { type: 'string' } as const;

export const setModelTagBody = {
  type: 'object',
  properties: { name, key: tagKey, value: tagValue },
  required: ['name', 'key', 'value'],
} as const;

export const deleteModelTagBody = {
  type: 'object',
  properties: { name, key: tagKey },
  required: ['name', 'key'],
} as const;

export const setVersionTagBody = {
  type: 'object',
  properties: { name, version, key: tagKey, value: tagValue },
  required: ['name', 'version', 'key', 'value'],
} as const;

export const deleteVersionTagBody = {
  type: 'object',
  properties: { name, version, key: tagKey },
  required: ['name', 'version', 'key'],
} as const;

export const deleteAliasBody = {
  type: 'object',
  properties: { name, alias: name },
  required: ['name', 'alias'],
} as const;

export const updateModelBody = {
  type: 'object',
  properties: { name, description: { type: 'string' } },
  required: ['name'],
} as const;

export const updateVersionBody = {
  type: 'object',
  properties: { name, version, description: { type: 'string' } },
  required: ['name', 'version'],
} as const;

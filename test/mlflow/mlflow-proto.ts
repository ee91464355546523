/**
 * What MLflow's Python client does with an answer, written from reading MLflow's sources (not
 * copied): `mlflow/protos/model_registry.proto` (each message's field names and types below),
 * `mlflow/utils/rest_utils.py` (`verify_rest_response`: a success is exactly 200 with a JSON object;
 * anything else with a JSON object body becomes a `RestException`), `mlflow/utils/proto_json_utils.py`
 * (`parse_dict` = protobuf's `ParseDict(..., ignore_unknown_fields=True)`) and
 * `mlflow/exceptions.py` (the error codes the client knows and the HTTP status of each).
 *
 * `decodeAs` follows ParseDict's rules: a field of another type is an error (the client raises
 * `ParseError`), `null` is an unset field, an int64 may be a JSON integer or a decimal string, an
 * enum a value name (or number), an unknown field is ignored — and reported, since for a server
 * that means it misspelt a field the client then never sees. The decoded record has proto2's
 * defaults for fields left out (`''`, `0`, `[]`, an enum's first value): what the client reads.
 */

type Scalar = 'string' | 'int64' | 'bool';
type FieldType = Scalar | { enum: readonly string[] } | { message: () => MessageSpec };
interface FieldSpec {
  type: FieldType;
  repeated?: true;
}
export type MessageSpec = Readonly<Record<string, FieldSpec>>;

/** `enum ModelVersionStatus`, in value order (1, 2, 3): the first is proto2's default. */
const modelVersionStatus = { enum: ['PENDING_REGISTRATION', 'FAILED_REGISTRATION', 'READY'] };

const str: FieldSpec = { type: 'string' };
const int64: FieldSpec = { type: 'int64' };

const ModelVersionTag: MessageSpec = { key: str, value: str };
const RegisteredModelTag: MessageSpec = { key: str, value: str };
const RegisteredModelAlias: MessageSpec = { alias: str, version: str };

const ModelVersion: MessageSpec = {
  name: str,
  version: str,
  creation_timestamp: int64,
  last_updated_timestamp: int64,
  user_id: str,
  current_stage: str,
  description: str,
  source: str,
  run_id: str,
  status: { type: modelVersionStatus },
  status_message: str,
  tags: { type: { message: () => ModelVersionTag }, repeated: true },
  run_link: str,
  aliases: { type: 'string', repeated: true },
};

const RegisteredModel: MessageSpec = {
  name: str,
  creation_timestamp: int64,
  last_updated_timestamp: int64,
  user_id: str,
  description: str,
  latest_versions: { type: { message: () => ModelVersion }, repeated: true },
  tags: { type: { message: () => RegisteredModelTag }, repeated: true },
  aliases: { type: { message: () => RegisteredModelAlias }, repeated: true },
};

const one = (field: string, spec: MessageSpec): MessageSpec => ({
  [field]: { type: { message: () => spec } },
});

/** The `Response` message of each call the Python client makes. */
export const responses = {
  createRegisteredModel: one('registered_model', RegisteredModel),
  getRegisteredModel: one('registered_model', RegisteredModel),
  updateRegisteredModel: one('registered_model', RegisteredModel),
  searchRegisteredModels: {
    registered_models: { type: { message: () => RegisteredModel }, repeated: true },
    next_page_token: str,
  },
  getLatestVersions: {
    model_versions: { type: { message: () => ModelVersion }, repeated: true },
  },
  createModelVersion: one('model_version', ModelVersion),
  updateModelVersion: one('model_version', ModelVersion),
  transitionModelVersionStage: one('model_version', ModelVersion),
  getModelVersion: one('model_version', ModelVersion),
  searchModelVersions: {
    model_versions: { type: { message: () => ModelVersion }, repeated: true },
    next_page_token: str,
  },
  getModelVersionDownloadUri: { artifact_uri: str },
  getModelVersionByAlias: one('model_version', ModelVersion),
  /** set/delete tag, set/delete alias: `message Response {}`. */
  empty: {},
} as const satisfies Record<string, MessageSpec>;

/**
 * `mlflow/exceptions.py` `ERROR_CODE_TO_HTTP_STATUS`: the codes the client turns into a
 * `RestException` with that code (an unknown one is logged as unrecognised), and their status.
 */
export const errorCodeStatus: Readonly<Record<string, number>> = {
  INTERNAL_ERROR: 500,
  INVALID_STATE: 500,
  DATA_LOSS: 500,
  NOT_IMPLEMENTED: 501,
  TEMPORARILY_UNAVAILABLE: 503,
  DEADLINE_EXCEEDED: 504,
  REQUEST_LIMIT_EXCEEDED: 429,
  CANCELLED: 499,
  RESOURCE_EXHAUSTED: 429,
  ABORTED: 409,
  RESOURCE_CONFLICT: 409,
  ALREADY_EXISTS: 409,
  NOT_FOUND: 404,
  ENDPOINT_NOT_FOUND: 404,
  RESOURCE_DOES_NOT_EXIST: 404,
  PERMISSION_DENIED: 403,
  CUSTOMER_UNAUTHORIZED: 401,
  UNAUTHENTICATED: 401,
  BAD_REQUEST: 400,
  RESOURCE_ALREADY_EXISTS: 400,
  INVALID_PARAMETER_VALUE: 400,
};

/** `mlflow/utils/request_utils.py`: statuses the client retries with backoff before raising. */
export const retriedStatuses: readonly number[] = [408, 429, 500, 502, 503, 504];

export type Decoded = { [field: string]: DecodedValue };
type DecodedValue = string | number | boolean | Decoded | DecodedValue[];

export interface Decoding {
  value: Decoded;
  /** Paths of fields the proto does not have (ignored by the client). */
  unknown: string[];
}

const int64Max = 9223372036854775807n;

function fail(path: string, message: string): never {
  throw new Error(`ParseDict would fail at ${path}: ${message}`);
}

function scalar(value: unknown, type: Scalar, path: string): string | number | boolean {
  if (type === 'string') {
    if (typeof value !== 'string') fail(path, `expected a string, got ${JSON.stringify(value)}`);
    return value;
  }
  if (type === 'bool') {
    if (typeof value !== 'boolean')
      fail(path, `expected true or false, got ${JSON.stringify(value)}`);
    return value;
  }
  // int64: a JSON integer or a decimal string; a fraction, a boolean or anything else fails.
  let big: bigint;
  if (typeof value === 'number' && Number.isInteger(value)) big = BigInt(value);
  else if (typeof value === 'string' && /^-?\d+$/.test(value)) big = BigInt(value);
  else fail(path, `expected an int64, got ${JSON.stringify(value)}`);
  if (big > int64Max || big < -int64Max - 1n) fail(path, 'out of int64 range');
  return Number(big);
}

function element(value: unknown, type: FieldType, path: string, out: Decoding): DecodedValue {
  if (typeof type === 'string') return scalar(value, type, path);
  if ('enum' in type) {
    if (typeof value === 'string' && type.enum.includes(value)) return value;
    if (typeof value === 'number' && type.enum[value - 1] !== undefined)
      return type.enum[value - 1] as string;
    return fail(path, `${JSON.stringify(value)} is not a value of the enum`);
  }
  return decodeInto(value, type.message(), path, out);
}

function defaultOf(spec: FieldSpec): DecodedValue | undefined {
  if (spec.repeated) return [];
  const type = spec.type;
  if (type === 'string') return '';
  if (type === 'int64') return 0;
  if (type === 'bool') return false;
  if ('enum' in type) return type.enum[0] as string;
  return undefined; // an unset sub-message reads as empty; the calls here always check it is set
}

function decodeInto(json: unknown, spec: MessageSpec, path: string, out: Decoding): Decoded {
  if (typeof json !== 'object' || json === null || Array.isArray(json))
    fail(path, `expected a JSON object, got ${JSON.stringify(json)}`);
  const decoded: Decoded = {};
  for (const [name, value] of Object.entries(json)) {
    const field = spec[name];
    const at = path === '' ? name : `${path}.${name}`;
    if (field === undefined) {
      out.unknown.push(at);
      continue;
    }
    if (value === null) continue;
    if (field.repeated) {
      if (!Array.isArray(value)) fail(at, 'expected a list for a repeated field');
      decoded[name] = value.map((item, i) => {
        if (item === null) fail(`${at}[${i}]`, 'null is not allowed in a repeated field');
        return element(item, field.type, `${at}[${i}]`, out);
      });
    } else decoded[name] = element(value, field.type, at, out);
  }
  for (const [name, field] of Object.entries(spec)) {
    const fallback = defaultOf(field);
    if (!(name in decoded) && fallback !== undefined) decoded[name] = fallback;
  }
  return decoded;
}

/** The answer as the client's `parse_dict` reads it into `spec`, or the error it would raise. */
export function decodeAs(json: unknown, spec: MessageSpec): Decoding {
  const out: Decoding = { value: {}, unknown: [] };
  out.value = decodeInto(json, spec, '', out);
  return out;
}

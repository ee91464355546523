/**
 * A local test double of an MLflow tracking server's Model Registry REST API, following MLflow's
 * `model_registry.proto` and REST docs: `registered-models/search`, `registered-models/get` and
 * `model-versions/search` under `/api/2.0/mlflow/`, snake_case fields, millisecond timestamps,
 * proto3 JSON (empty lists and strings left out), `max_results` honoured up to the server's cap
 * (larger is `INVALID_PARAMETER_VALUE`), opaque `page_token` → `next_page_token`, errors as
 * `{error_code, message}`, and a bearer token when one is set. Tests can also make an endpoint
 * answer malformed JSON, or stop answering after N requests (to kill an import mid-way).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeVersion {
  version: string;
  stage?: 'None' | 'Staging' | 'Production' | 'Archived';
  status?: 'READY' | 'PENDING_REGISTRATION' | 'FAILED_REGISTRATION';
  source?: string;
  runId?: string;
  tags?: Record<string, string>;
  description?: string;
  createdMs?: number;
}

export interface FakeModel {
  name: string;
  description?: string;
  tags?: Record<string, string>;
  aliases?: Record<string, string>;
  versions: FakeVersion[];
}

export interface FakeMlflowOptions {
  models: FakeModel[];
  /** Requests must carry `Authorization: Bearer <token>`. */
  token?: string;
  /** Largest max_results accepted (MLflow: 1000 for registered models). */
  maxResultsCap?: number;
  /** Endpoints (e.g. `model-versions/search`) that answer a truncated JSON body. */
  malformed?: string[];
  /** After this many answered requests, requests are held open and never answered. */
  answerOnly?: number | undefined;
}

export interface FakeMlflowServer {
  url: string;
  /** Every request's endpoint and query, in order. */
  requests: { endpoint: string; query: Record<string, string> }[];
  options: FakeMlflowOptions;
  close(): Promise<void>;
}

const prefix = '/api/2.0/mlflow/';

const tagList = (tags: Record<string, string> | undefined) =>
  Object.entries(tags ?? {}).map(([key, value]) => ({ key, value }));

/** proto3 JSON: default values (empty strings and lists) are left out. */
function compact<T extends Record<string, unknown>>(o: T): Partial<T> {
  return Object.fromEntries(
    Object.entries(o).filter(
      ([, v]) => v !== undefined && v !== '' && !(Array.isArray(v) && v.length === 0),
    ),
  ) as Partial<T>;
}

function versionJson(model: FakeModel, v: FakeVersion) {
  const created = v.createdMs ?? 1_700_000_000_000 + Number(v.version) * 60_000;
  const aliases = Object.entries(model.aliases ?? {})
    .filter(([, version]) => version === v.version)
    .map(([alias]) => alias);
  return compact({
    name: model.name,
    version: v.version,
    creation_timestamp: created,
    last_updated_timestamp: created,
    user_id: 'trainer@example.com',
    current_stage: v.stage ?? 'None',
    description: v.description,
    source: v.source ?? `models:/m-${model.name}-${v.version}`,
    run_id: v.runId ?? `run${v.version.padStart(4, '0')}`,
    status: v.status ?? 'READY',
    tags: tagList(v.tags),
    aliases,
  });
}

function modelJson(model: FakeModel) {
  const latest = new Map<string, FakeVersion>();
  for (const v of model.versions) latest.set(v.stage ?? 'None', v);
  return compact({
    name: model.name,
    creation_timestamp: 1_700_000_000_000,
    last_updated_timestamp: 1_700_000_000_000,
    description: model.description,
    latest_versions: [...latest.values()].map((v) => versionJson(model, v)),
    tags: tagList(model.tags),
    aliases: Object.entries(model.aliases ?? {}).map(([alias, version]) => ({ alias, version })),
  });
}

class MlflowError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** A page of `items` from the opaque token's offset, with the next token while more remain. */
function page<T>(items: T[], query: Record<string, string>, cap: number, fallback: number) {
  const max = query.max_results === undefined ? fallback : Number(query.max_results);
  if (!Number.isInteger(max) || max < 1 || max > cap) {
    throw new MlflowError(
      400,
      'INVALID_PARAMETER_VALUE',
      `Invalid value ${query.max_results} for parameter 'max_results' supplied. It must be at most ${cap}.`,
    );
  }
  let offset = 0;
  if (query.page_token) {
    const decoded = JSON.parse(Buffer.from(query.page_token, 'base64').toString()) as {
      offset?: unknown;
    };
    if (typeof decoded.offset !== 'number')
      throw new MlflowError(400, 'INVALID_PARAMETER_VALUE', 'Invalid page token');
    offset = decoded.offset;
  }
  const slice = items.slice(offset, offset + max);
  const next = offset + max < items.length;
  const token = Buffer.from(JSON.stringify({ offset: offset + max })).toString('base64');
  return { slice, ...(next ? { next_page_token: token } : {}) };
}

/** `name = 'x'` or `name='x'`; anything else is refused as MLflow refuses an unknown filter. */
function nameFilter(filter: string | undefined): string | undefined {
  if (filter === undefined || filter === '') return undefined;
  const match = /^\s*name\s*=\s*'((?:[^'\\]|\\.)*)'\s*$/.exec(filter);
  if (!match?.[1] && match?.[1] !== '')
    throw new MlflowError(400, 'INVALID_PARAMETER_VALUE', `Invalid filter '${filter}'`);
  return match[1].replaceAll("\\'", "'");
}

function answer(o: FakeMlflowOptions, endpoint: string, query: Record<string, string>): unknown {
  const cap = o.maxResultsCap ?? 1000;
  switch (endpoint) {
    case 'registered-models/search': {
      const { slice, ...rest } = page(o.models, query, cap, 100);
      return compact({ registered_models: slice.map(modelJson), ...rest });
    }
    case 'registered-models/get': {
      const model = o.models.find((m) => m.name === query.name);
      if (!model) {
        throw new MlflowError(
          404,
          'RESOURCE_DOES_NOT_EXIST',
          `Registered Model with name=${query.name} not found`,
        );
      }
      return { registered_model: modelJson(model) };
    }
    case 'model-versions/search': {
      const name = nameFilter(query.filter);
      const all = o.models
        .filter((m) => name === undefined || m.name === name)
        .flatMap((m) => m.versions.map((v) => versionJson(m, v)));
      const { slice, ...rest } = page(all, query, Math.max(cap, 10_000), 10_000);
      return compact({ model_versions: slice, ...rest });
    }
    default:
      throw new MlflowError(404, 'ENDPOINT_NOT_FOUND', `No API endpoint ${endpoint}`);
  }
}

function handle(server: FakeMlflowServer, req: IncomingMessage, res: ServerResponse): void {
  const o = server.options;
  const url = new URL(req.url ?? '/', 'http://fake');
  const endpoint = url.pathname.startsWith(prefix)
    ? url.pathname.slice(prefix.length)
    : url.pathname;
  const query = Object.fromEntries(url.searchParams);
  server.requests.push({ endpoint, query });
  if (o.answerOnly !== undefined && server.requests.length > o.answerOnly) return; // held open
  const send = (status: number, body: string) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(body);
  };
  if (o.token !== undefined && req.headers.authorization !== `Bearer ${o.token}`) {
    send(401, JSON.stringify({ error_code: 'UNAUTHENTICATED', message: 'Invalid credentials' }));
    return;
  }
  try {
    const body = JSON.stringify(answer(o, endpoint, query));
    send(200, o.malformed?.includes(endpoint) ? body.slice(0, body.length / 2) : body);
  } catch (error) {
    if (!(error instanceof MlflowError)) throw error;
    send(error.status, JSON.stringify({ error_code: error.code, message: error.message }));
  }
}

export async function startFakeMlflow(options: FakeMlflowOptions): Promise<FakeMlflowServer> {
  const held = new Set<ServerResponse>();
  const fake: FakeMlflowServer = {
    url: '',
    requests: [],
    options,
    close: () =>
      new Promise((resolve) => {
        for (const res of held) res.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  const server = createServer((req, res) => {
    held.add(res);
    res.on('close', () => held.delete(res));
    handle(fake, req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return fake;
}

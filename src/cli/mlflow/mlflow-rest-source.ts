/**
 * Reads an MLflow tracking server's Model Registry over its REST API (`/api/2.0/mlflow/…`):
 * registered-models/search and model-versions/search page by page (`max_results`,
 * `page_token` → `next_page_token`), registered-models/get for `--model`. Every answer is parsed
 * with the import's schemas; anything else — no answer, a refusal, JSON that is not MLflow's —
 * is one `invalid_input` error naming the server, what it answered and the fix.
 */
import {
  getRegisteredModelResponse,
  type MlflowSource,
  searchModelVersionsResponse,
  searchRegisteredModelsResponse,
} from '../../app/index.js';
import { ClearanceError } from '../../domain/index.js';

const requestTimeoutMs = 60_000;
/** Pauses before the second and third attempt of a request that got no answer. */
const retryDelaysMs = [200, 1000];

function sourceError(message: string, fix: string): ClearanceError {
  return new ClearanceError('invalid_input', message, { problems: [{ message, fix }] });
}

/** The server's base URL without credentials or a trailing slash; refuses what is not http(s). */
function mlflowBaseUrl(from: string): string {
  let url: URL;
  try {
    url = new URL(from);
  } catch {
    throw sourceError(
      `--from "${from}" is not a URL.`,
      'Pass the MLflow tracking server, e.g. --from http://mlflow.internal:5000.',
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw sourceError(
      `--from "${from}" is not an http(s) URL.`,
      'Pass the MLflow tracking server over http or https.',
    );
  }
  if (url.username !== '' || url.password !== '') {
    throw sourceError(
      `--from "${url.host}" carries credentials in the URL.`,
      'Pass a token with --token or MLFLOW_TRACKING_TOKEN instead.',
    );
  }
  url.search = '';
  url.hash = '';
  return url.toString().replace(/\/+$/, '');
}

/** One clear sentence for an MLflow error body (`{error_code, message}`) when there is one. */
function mlflowMessage(body: string): string {
  try {
    const parsed = JSON.parse(body) as { error_code?: unknown; message?: unknown };
    const parts = [parsed.error_code, parsed.message].filter((p) => typeof p === 'string');
    if (parts.length > 0) return `: ${parts.join(': ').slice(0, 300)}`;
  } catch {
    // Not JSON: the status says enough.
  }
  return '';
}

interface Shape<T> {
  safeParse(
    data: unknown,
  ):
    | { success: true; data: T }
    | { success: false; error: { issues: { path: PropertyKey[]; message: string }[] } };
}

export function createMlflowRestSource(input: {
  from: string;
  token?: string;
  pageSize: number;
}): MlflowSource {
  const url = mlflowBaseUrl(input.from);
  const headers: Record<string, string> = { accept: 'application/json' };
  if (input.token) headers.authorization = `Bearer ${input.token}`;

  /**
   * A search is a GET, safe to repeat: a connection the server closed while idle (keep-alive
   * timeouts are short on MLflow's gunicorn) or a refused connect is tried again after a pause.
   */
  async function fetchWithRetries(
    target: string,
    endpoint: string,
  ): Promise<{ response: Response; body: string }> {
    for (let attempt = 0; ; attempt++) {
      try {
        const response = await fetch(target, {
          headers,
          signal: AbortSignal.timeout(requestTimeoutMs),
        });
        return { response, body: await response.text() };
      } catch (error) {
        const delay = retryDelaysMs[attempt];
        if (delay !== undefined) {
          await new Promise((resolve) => setTimeout(resolve, delay));
          continue;
        }
        const cause = (error as { cause?: { code?: string; message?: string } }).cause;
        const why = cause?.code ?? cause?.message ?? (error as Error).message;
        throw sourceError(
          `MLflow server ${url} did not answer ${endpoint} (${why}).`,
          'Check --from (scheme, host and port) and that the server is running.',
        );
      }
    }
  }

  async function get<T>(
    endpoint: string,
    params: Record<string, string | undefined>,
    shape: Shape<T>,
  ): Promise<T> {
    const query = new URLSearchParams();
    for (const [name, value] of Object.entries(params))
      if (value !== undefined) query.set(name, value);
    const target = `${url}/api/2.0/mlflow/${endpoint}?${query}`;
    const { response, body } = await fetchWithRetries(target, endpoint);
    const what = `MLflow server ${url} answered ${endpoint} with ${response.status}${mlflowMessage(body)}`;
    if (response.status === 401 || response.status === 403) {
      throw sourceError(
        `${what}.`,
        'Pass a token that may read the registry with --token or MLFLOW_TRACKING_TOKEN.',
      );
    }
    if (response.status === 404 && endpoint === 'registered-models/get') {
      throw sourceError(`${what}.`, 'Check the names given with --model.');
    }
    if (!response.ok) {
      throw sourceError(
        `${what}.`,
        'Check that --from is an MLflow tracking server (2.x or 3.x) and that it is healthy.',
      );
    }
    let json: unknown;
    try {
      json = JSON.parse(body);
    } catch {
      throw sourceError(
        `MLflow server ${url} answered ${endpoint} with malformed JSON.`,
        'Check that --from is an MLflow tracking server, not a proxy or login page.',
      );
    }
    const parsed = shape.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const at = issue?.path.map(String).join('.') || '(root)';
      throw sourceError(
        `MLflow server ${url} answered ${endpoint} with JSON that is not MLflow's (${at}: ${issue?.message ?? 'invalid'}).`,
        'Check that --from is an MLflow tracking server (2.x or 3.x).',
      );
    }
    return parsed.data;
  }

  /** Pages until the server gives no next_page_token; a token repeated would loop, so stops. */
  async function* pages<T extends { next_page_token?: string | undefined }>(
    read: (token: string | undefined) => Promise<T>,
  ): AsyncIterable<T> {
    const seen = new Set<string>();
    let token: string | undefined;
    do {
      const page = await read(token);
      yield page;
      token = page.next_page_token || undefined;
      if (token !== undefined && seen.has(token)) {
        throw sourceError(
          `MLflow server ${url} repeated page token "${token.slice(0, 40)}".`,
          'Check the MLflow server; its search pagination is broken.',
        );
      }
      if (token !== undefined) seen.add(token);
    } while (token !== undefined);
  }

  const maxResults = String(input.pageSize);
  return {
    url,
    async *models(names) {
      if (names && names.length > 0) {
        for (const name of names) {
          const found = await get('registered-models/get', { name }, getRegisteredModelResponse);
          yield found.registered_model;
        }
        return;
      }
      const read = (page_token: string | undefined) =>
        get(
          'registered-models/search',
          { max_results: maxResults, page_token },
          searchRegisteredModelsResponse,
        );
      for await (const page of pages(read)) yield* page.registered_models;
    },
    async *versions(model) {
      const filter = `name = '${model.replaceAll("'", "\\'")}'`;
      const read = (page_token: string | undefined) =>
        get(
          'model-versions/search',
          { filter, max_results: maxResults, page_token },
          searchModelVersionsResponse,
        );
      for await (const page of pages(read)) {
        // A server that ignores the filter must not put another model's versions here.
        yield* page.model_versions.filter((v) => v.name === model);
      }
    },
  };
}

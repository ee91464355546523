/**
 * A plain JSON client for a Clearance server, for tests that drive the API directly (the CLI
 * goes through src/cli/registry/): RFC 9457 problems come back as ClearanceErrors with their code.
 */
import { randomUUID } from 'node:crypto';
import { errorCodeOf, type ProblemBody } from '../../src/cli/registry/remote-registry.js';
import { ClearanceError } from '../../src/domain/index.js';

export interface ClientOptions {
  server: string;
  token: string;
}

export interface RequestOptions {
  json?: unknown;
  bytes?: Uint8Array;
  query?: Record<string, string | undefined>;
  /** Creating calls send one, so a retried command never acts twice. */
  idempotent?: boolean;
}

export interface ClearanceClient {
  call<T>(method: 'GET' | 'POST' | 'DELETE', path: string, options?: RequestOptions): Promise<T>;
}

function urlFor(server: string, path: string, query: RequestOptions['query']): string {
  const url = new URL(path, server.endsWith('/') ? server : `${server}/`);
  for (const [key, value] of Object.entries(query ?? {})) {
    if (value !== undefined) url.searchParams.set(key, value);
  }
  return url.toString();
}

function unreachable(server: string, cause: unknown): ClearanceError {
  return new ClearanceError('invalid_input', `Cannot reach the Clearance server at ${server}.`, {
    cause,
    problems: [
      {
        message:
          cause instanceof Error && cause.cause instanceof Error
            ? cause.cause.message
            : String(cause),
        fix: 'Start it with `clearance serve`, or point --server / CLEARANCE_SERVER at it.',
      },
    ],
  });
}

function parseProblem(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    // Not ours (a proxy's HTML page, say): the status still says what happened.
    return undefined;
  }
}

async function refusal(response: Response): Promise<ClearanceError> {
  const problem = (parseProblem(await response.text()) ?? {}) as ProblemBody;
  return new ClearanceError(
    errorCodeOf(problem.code, response.status),
    problem.detail ?? problem.title ?? `The server answered ${response.status}.`,
    { problems: problem.problems ?? [] },
  );
}

export function createClient(options: ClientOptions): ClearanceClient {
  const send = async (
    method: 'GET' | 'POST' | 'DELETE',
    path: string,
    request: RequestOptions,
    accept: string,
  ): Promise<Response> => {
    const headers: Record<string, string> = { accept };
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    if (request.idempotent) headers['idempotency-key'] = randomUUID();
    let body: string | Uint8Array | undefined;
    if (request.bytes) {
      headers['content-type'] = 'application/octet-stream';
      body = request.bytes;
    } else if (request.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(request.json);
    }
    const url = urlFor(options.server, path.replace(/^\//, ''), request.query);
    let response: Response;
    try {
      response = await fetch(url, { method, headers, ...(body === undefined ? {} : { body }) });
    } catch (cause) {
      throw unreachable(options.server, cause);
    }
    if (!response.ok) throw await refusal(response);
    return response;
  };
  return {
    async call<T>(method: 'GET' | 'POST' | 'DELETE', path: string, request: RequestOptions = {}) {
      const response = await send(method, path, request, 'application/json');
      const text = await response.text();
      return (text === '' ? undefined : JSON.parse(text)) as T;
    },
  };
}

/**
 * The registry through a Clearance server's API, as the token's user. Paths, parameters, bodies
 * and replies are typed from the committed OpenAPI document (openapi.d.ts, `npm run
 * openapi:types`), so a renamed route or field fails the typecheck here. RFC 9457 problems come
 * back as ClearanceErrors with their code, so commands exit as the server decided.
 */
import { randomUUID } from 'node:crypto';
import createClient from 'openapi-fetch';
import { readEvidencePackArchive } from '../../app/index.js';
import { ClearanceError, type ErrorCode, errorCodes, type Problem } from '../../domain/index.js';
import type { CliRegistry } from './cli-registry.js';
import type { paths } from './openapi.js';
import {
  type ApiGet,
  exportServedLog,
  parseInclusionProof,
  servedCheckpoints,
  verifyServedLog,
} from './remote-audit.js';

export interface RemoteOptions {
  server: string;
  token: string;
}

/** An RFC 9457 problem body as the server sends it. */
export interface ProblemBody {
  code?: string;
  title?: string;
  detail?: string;
  problems?: Problem[];
}

/** The refusal's code: the problem's own, else one from the status. */
export function errorCodeOf(code: string | undefined, status: number): ErrorCode {
  if (code && (errorCodes as readonly string[]).includes(code)) return code as ErrorCode;
  if (status === 401) return 'unauthenticated';
  if (status === 403) return 'forbidden';
  if (status === 404) return 'not_found';
  if (status === 409) return 'conflict';
  return 'invalid_input';
}

/** A refusal as the server worded it; a body that is not ours (a proxy's page) says nothing. */
function refusal(error: unknown, status: number): ClearanceError {
  const problem = (typeof error === 'object' && error !== null ? error : {}) as ProblemBody;
  return new ClearanceError(
    errorCodeOf(problem.code, status),
    problem.detail ?? problem.title ?? `The server answered ${status}.`,
    { problems: problem.problems ?? [] },
  );
}

function unreachable(server: string, cause: unknown): ClearanceError {
  const reason =
    cause instanceof Error && cause.cause instanceof Error ? cause.cause.message : String(cause);
  // fetch refuses the WHATWG "bad ports" (6000, 6665–6669, 10080, …) before connecting: a server
  // started there is never reached, so say so rather than undici's bare "bad port".
  const badPort = reason === 'bad port';
  return new ClearanceError('invalid_input', `Cannot reach the Clearance server at ${server}.`, {
    cause,
    problems: [
      {
        message: badPort
          ? `Port ${new URL(server).port} is one HTTP clients refuse to connect to (the Fetch standard's bad ports).`
          : reason,
        fix: badPort
          ? 'Start the server on another port (clearance serve --port 8080) and point --server at it.'
          : 'Start it with `clearance serve`, or point --server / CLEARANCE_SERVER at it.',
      },
    ],
  });
}

/**
 * The data of a 2xx answer, typed by the document; anything else thrown as the server's refusal.
 * The reply schemas spell out the domain's records (its enums, required and nullable fields,
 * integers), so each generated reply type is assignable to the domain type the CliRegistry method
 * returns and no reply is cast: a schema looser than its record fails the typecheck here, and one
 * stricter fails it in the route (test/cli/reply-types.test.ts checks each pair by name).
 */
async function answer<T>(
  call: Promise<{ data?: T; error?: unknown; response: Response }>,
): Promise<T> {
  const { data, error, response } = await call;
  if (!response.ok) throw refusal(error, response.status);
  // openapi-fetch leaves `data` optional; it is set on every 2xx with a body.
  return data as T;
}

/** Largest download the CLI accepts (1 GiB compressed); a larger answer is refused, not held. */
const maxDownloadBytes = 1024 ** 3;

async function boundedBody(
  body: ReadableStream<Uint8Array> | null | undefined,
  limit: number,
): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = body?.getReader();
  if (reader === undefined) return new Uint8Array();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > limit) {
      await reader.cancel();
      throw new ClearanceError(
        'invalid_input',
        `The server's answer is larger than ${limit} bytes; the download was stopped.`,
      );
    }
    chunks.push(value);
  }
  return new Uint8Array(Buffer.concat(chunks));
}

/**
 * A webhook request body as the document types it: event types are an enum there and a string
 * list in the app's input, which the server checks (and the use case again).
 */
type WebhookBody<M extends 'post' | 'patch'> = M extends 'post'
  ? NonNullable<paths['/api/v1/webhooks']['post']['requestBody']>['content']['application/json']
  : NonNullable<
      paths['/api/v1/webhooks/{id}']['patch']['requestBody']
    >['content']['application/json'];

/** Creating calls send one, so a retried command never acts twice. */
const once = () => ({ header: { 'idempotency-key': randomUUID() } });

/** A server address fetch cannot even form a request to is a bad flag value, not a bug. */
function checkServerUrl(server: string): void {
  if (/^https?:\/\/[^/]/i.test(server) && URL.canParse(server)) return;
  const message = `--server "${server}" is not an http(s) URL.`;
  throw new ClearanceError('invalid_input', message, {
    problems: [
      {
        message,
        fix: 'Pass the Clearance server with its scheme, e.g. --server http://127.0.0.1:8080 (or set CLEARANCE_SERVER).',
      },
    ],
  });
}

export function createRemoteRegistry(options: RemoteOptions): CliRegistry {
  const { server } = options;
  checkServerUrl(server);
  const api = createClient<paths>({
    baseUrl: server.replace(/\/+$/, ''),
    headers: options.token ? { authorization: `Bearer ${options.token}` } : {},
    fetch: async (request: Request) => {
      try {
        return await fetch(request);
      } catch (cause) {
        throw unreachable(server, cause);
      }
    },
  });
  const get: ApiGet = (path, query) =>
    answer(api.GET(path, query === undefined ? {} : { params: { query } }));
  return {
    server,
    close: async () => undefined,
    registerModel: (input) => answer(api.POST('/api/v1/models', { params: once(), body: input })),
    listModels: () => answer(api.GET('/api/v1/models')),
    serving: (name) =>
      answer(api.GET('/api/v1/models/{name}/serving', { params: { path: { name } } })),
    history: ({ model, at }) =>
      answer(
        api.GET('/api/v1/models/{name}/history', {
          params: { path: { name: model }, ...(at === undefined ? {} : { query: { at } }) },
        }),
      ),
    registerVersion: ({ model, ...body }) =>
      answer(
        api.POST('/api/v1/models/{name}/versions', {
          params: { ...once(), path: { name: model } },
          body,
        }),
      ),
    listVersions: (name) =>
      answer(api.GET('/api/v1/models/{name}/versions', { params: { path: { name } } })),
    version: ({ model, version }) =>
      answer(
        api.GET('/api/v1/models/{name}/versions/{version}', {
          params: { path: { name: model, version } },
        }),
      ),
    listEvidence: ({ model, version }) =>
      answer(
        api.GET('/api/v1/models/{name}/versions/{version}/evidence', {
          params: { path: { name: model, version } },
        }),
      ),
    importProduction: ({ model, version, ...body }) =>
      answer(
        api.POST('/api/v1/models/{name}/versions/{version}/import-production', {
          params: { ...once(), path: { name: model, version } },
          body,
        }),
      ),
    attachEvidence: ({ model, version, path, bytes }) =>
      answer(
        api.POST('/api/v1/models/{name}/versions/{version}/evidence', {
          params: { ...once(), path: { name: model, version }, query: { path } },
          body: bytes,
          bodySerializer: (raw) => raw,
          headers: { 'content-type': 'application/octet-stream' },
        }),
      ),
    requestTransition: (body) => answer(api.POST('/api/v1/requests', { params: once(), body })),
    recordApproval: ({ requestId, ...body }) =>
      answer(
        api.POST('/api/v1/requests/{id}/approvals', {
          params: { ...once(), path: { id: requestId } },
          body,
        }),
      ),
    executeTransition: (id) =>
      answer(api.POST('/api/v1/requests/{id}/execute', { params: { ...once(), path: { id } } })),
    cancelRequest: ({ requestId, reason }) =>
      answer(
        api.POST('/api/v1/requests/{id}/cancel', {
          params: { path: { id: requestId } },
          body: { reason },
        }),
      ),
    rollback: ({ model, ...body }) =>
      answer(
        api.POST('/api/v1/models/{name}/rollback', {
          params: { ...once(), path: { name: model } },
          body,
        }),
      ),
    inbox: () => answer(api.GET('/api/v1/inbox')),
    listRequests: (query) => answer(api.GET('/api/v1/requests', { params: { query } })),
    request: (id) => answer(api.GET('/api/v1/requests/{id}', { params: { path: { id } } })),
    decision: (id) => answer(api.GET('/api/v1/decisions/{id}', { params: { path: { id } } })),
    recordReview: ({ requestId, ...body }) =>
      answer(
        api.POST('/api/v1/requests/{id}/reviews', {
          params: { ...once(), path: { id: requestId } },
          body,
        }),
      ),
    listReviews: (status) => answer(api.GET('/api/v1/reviews', { params: { query: { status } } })),
    getRollout: (id) => answer(api.GET('/api/v1/rollouts/{id}', { params: { path: { id } } })),
    listRollouts: (query) => answer(api.GET('/api/v1/rollouts', { params: { query } })),
    postObservations: ({ rolloutId, ...body }) =>
      answer(
        api.POST('/api/v1/rollouts/{id}/observations', {
          params: { path: { id: rolloutId } },
          // The app takes `arm` as any string (and refuses others itself); the API's type is the enum.
          body: body as never,
        }),
      ),
    controlRollout: ({ rolloutId, action, reason, ticket }) =>
      answer(
        api.POST(`/api/v1/rollouts/{id}/${action}`, {
          params: { path: { id: rolloutId } },
          body: {
            ...(reason !== undefined ? { reason } : {}),
            ...(ticket !== undefined ? { ticket } : {}),
          },
        }),
      ),
    replayDecision: (id) =>
      answer(api.POST('/api/v1/decisions/{id}/replay', { params: { path: { id } } })),
    backtest: ({ policyText, policyFile, model, since }) =>
      answer(
        api.POST('/api/v1/policies/backtest', {
          body: {
            policy: policyText,
            file: policyFile,
            ...(model ? { model } : {}),
            // The instant, not "90d": the window is the one the caller meant when they ran it.
            ...(since ? { since: since.toISOString() } : {}),
          },
        }),
      ),
    verifyAuditLog: async (input) => ({
      where: 'server',
      report: await verifyServedLog(get, { ...input, server }),
    }),
    auditState: async () => {
      const check = await answer(api.GET('/api/v1/audit/state'));
      // A server older than ADR 024 answers without `notes`: none to show, not a crash.
      return { ...check, notes: check.notes ?? [] };
    },
    inclusionProof: async ({ seq, size }) =>
      parseInclusionProof(
        await answer(
          api.GET('/api/v1/audit/proofs/inclusion/{seq}', {
            params: { path: { seq }, ...(size === undefined ? {} : { query: { size } }) },
          }),
        ),
      ),
    checkpointNotes: async () => (await servedCheckpoints(get)).map((c) => c.note),
    signCheckpoint: () => answer(api.POST('/api/v1/audit/checkpoints')),
    exportAuditLog: (file) => exportServedLog(get, { server, file }),
    async evidencePack({ model, version }) {
      const stream = await answer<ReadableStream<Uint8Array> | null>(
        api.GET('/api/v1/models/{name}/versions/{version}/evidence-pack', {
          params: { path: { name: model, version } },
          parseAs: 'stream',
        }),
      );
      const archive = await boundedBody(stream, maxDownloadBytes);
      // Every file is checked against the manifest before anything is written.
      const pack = await readEvidencePackArchive(archive);
      const named = pack.manifest;
      if (named.model !== model || named.version !== version) {
        const message = `The server sent the pack of ${named.model} ${named.version}, not of ${model} ${version}.`;
        throw new ClearanceError('precondition_failed', message, {
          problems: [{ message, fix: 'Check that --server points at the registry you meant.' }],
        });
      }
      return { pack, archive };
    },
    createUser: (body) => answer(api.POST('/api/v1/users', { params: once(), body })),
    async changeRole({ change, userId, ...body }) {
      const params = { path: { id: userId } };
      await answer(
        change === 'grant'
          ? api.POST('/api/v1/users/{id}/roles', { params, body })
          : api.DELETE('/api/v1/users/{id}/roles', { params, body }),
      );
    },
    createToken: (body) => answer(api.POST('/api/v1/tokens', { body })),
    revokeToken: (id) => answer(api.DELETE('/api/v1/tokens/{id}', { params: { path: { id } } })),
    setUserDisabled: ({ userId, disabled }) => {
      const params = { path: { id: userId } };
      return answer(
        disabled
          ? api.POST('/api/v1/users/{id}/disable', { params })
          : api.POST('/api/v1/users/{id}/enable', { params }),
      );
    },
    createWebhook: (body) =>
      answer(api.POST('/api/v1/webhooks', { body: body as WebhookBody<'post'> })),
    listWebhooks: () => answer(api.GET('/api/v1/webhooks')),
    getWebhook: (id) => answer(api.GET('/api/v1/webhooks/{id}', { params: { path: { id } } })),
    updateWebhook: ({ id, ...body }) =>
      answer(
        api.PATCH('/api/v1/webhooks/{id}', {
          params: { path: { id } },
          body: body as WebhookBody<'patch'>,
        }),
      ),
    rotateWebhookSecret: (id) =>
      answer(api.POST('/api/v1/webhooks/{id}/rotate-secret', { params: { path: { id } } })),
    disableWebhook: (id) =>
      answer(api.POST('/api/v1/webhooks/{id}/disable', { params: { path: { id } } })),
    async deleteWebhook(id) {
      await answer(api.DELETE('/api/v1/webhooks/{id}', { params: { path: { id } } }));
    },
    webhookDeliveries: ({ id, limit }) =>
      answer(
        api.GET('/api/v1/webhooks/{id}/deliveries', {
          params: { path: { id }, ...(limit === undefined ? {} : { query: { limit } }) },
        }),
      ),
    redeliverWebhook: ({ id, eventId }) =>
      answer(
        api.POST('/api/v1/webhooks/{id}/deliveries/{eventId}/redeliver', {
          params: { path: { id, eventId } },
        }),
      ),
    setUserEmail: ({ id, email }) =>
      answer(
        api.PUT('/api/v1/users/{id}/email', {
          params: { path: { id } },
          body: { email: email ?? null },
        }),
      ),
  };
}

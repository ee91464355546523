/** Policies, models, versions, evidence and the serving read. */
import { Readable } from 'node:stream';
import { maxVersionPage } from '../app/index.js';
import { ClearanceError } from '../domain/index.js';
import {
  nameParams,
  registerModelBody,
  registerPolicyBody,
  registerVersionBody,
  versionParams,
} from './body-schemas.js';
import { actingUseCases, principalOf } from './http-hooks.js';
import { keptReplies } from './kept-replies.js';
import { errors, idempotencyHeader, listOf, ref } from './record-schemas.js';
import type { RoutesPlugin } from './routes-plugin.js';

export const modelRoutes: RoutesPlugin = async (app, { useCases }) => {
  // The hot reads: kept values are answered with the body and ETag made the first time.
  const keptModel = keptReplies();
  const keptVersion = keptReplies();
  const keptServing = keptReplies();
  const keptVersionList = keptReplies();
  const keptModelList = keptReplies();
  app.post(
    '/policies',
    {
      config: { idempotent: true },
      schema: {
        tags: ['policies'],
        summary: 'Register a policy (idempotent by digest)',
        headers: idempotencyHeader,
        body: registerPolicyBody,
        response: { 201: ref('PolicyRecord'), ...errors },
      },
    },
    async (request, reply) => {
      const policy = await actingUseCases(request, useCases).registerPolicy(
        principalOf(request),
        request.body,
      );
      return reply.code(201).send(policy);
    },
  );

  app.post(
    '/models',
    {
      config: { idempotent: true },
      schema: {
        tags: ['models'],
        summary: 'Register a model under a policy',
        headers: idempotencyHeader,
        body: registerModelBody,
        response: { 201: ref('Model'), ...errors },
      },
    },
    async (request, reply) => {
      const model = await actingUseCases(request, useCases).registerModel(
        principalOf(request),
        request.body,
      );
      reply.header('location', `${app.prefix}/models/${encodeURIComponent(model.name)}`);
      return reply.code(201).send(model);
    },
  );

  app.get(
    '/models',
    {
      schema: {
        tags: ['models'],
        summary: 'List models',
        response: { 200: listOf('Model'), ...errors },
      },
    },
    // The list is kept until the next commit (ADR 048): serialised once per kept list.
    async (request, reply) => keptModelList(reply, await useCases.listModels(principalOf(request))),
  );

  app.get(
    '/models/:name',
    {
      schema: {
        tags: ['models'],
        summary: 'Get a model',
        params: nameParams,
        response: { 200: ref('Model'), ...errors },
      },
    },
    async (request, reply) =>
      keptModel(reply, await useCases.getModel(principalOf(request), request.params.name)),
  );

  app.post(
    '/models/:name/versions',
    {
      config: { idempotent: true },
      schema: {
        tags: ['versions'],
        summary: 'Register an immutable version',
        params: nameParams,
        headers: idempotencyHeader,
        body: registerVersionBody,
        response: { 201: ref('Version'), ...errors },
      },
    },
    async (request, reply) => {
      const version = await actingUseCases(request, useCases).registerVersion(
        principalOf(request),
        {
          ...request.body,
          lineage: request.body.lineage ?? {},
          model: request.params.name,
        },
      );
      reply.header(
        'location',
        `${app.prefix}/models/${encodeURIComponent(version.model)}/versions/${encodeURIComponent(version.version)}`,
      );
      return reply.code(201).send(version);
    },
  );

  app.get(
    '/models/:name/versions',
    {
      schema: {
        tags: ['versions'],
        summary: 'List a model’s versions with their states, in registration order',
        description:
          'Without `limit` and `after`, every version. With them, a page: `limit` versions after ' +
          'version `after`; a `Link: <…>; rel="next"` header names the next page while there is one.',
        params: nameParams,
        querystring: {
          type: 'object',
          properties: {
            limit: { type: 'integer', minimum: 1, maximum: maxVersionPage },
            after: {
              type: 'string',
              minLength: 1,
              description: 'The last version of the previous page.',
            },
          },
        },
        response: { 200: listOf('Version'), ...errors },
      },
    },
    async (request, reply) => {
      const { name } = request.params;
      const { limit, after } = request.query;
      const page = await useCases.versionPage(principalOf(request), { model: name, limit, after });
      if (page.next !== undefined) {
        const query = new URLSearchParams({
          ...(limit === undefined ? {} : { limit: String(limit) }),
          after: page.next,
        });
        reply.header(
          'link',
          `<${app.prefix}/models/${encodeURIComponent(name)}/versions?${query}>; rel="next"`,
        );
      }
      // A kept page (frozen until the model’s versions change) is sent as serialised the first
      // time; its ETag covers the Link set above as well as the body.
      return keptVersionList(reply, page.versions);
    },
  );

  app.get(
    '/models/:name/versions/:version',
    {
      schema: {
        tags: ['versions'],
        summary: 'Get a version with its state',
        params: versionParams,
        response: { 200: ref('Version'), ...errors },
      },
    },
    async (request, reply) =>
      keptVersion(
        reply,
        await useCases.getVersion(principalOf(request), {
          model: request.params.name,
          version: request.params.version,
        }),
      ),
  );

  app.get(
    '/models/:name/versions/:version/evidence',
    {
      schema: {
        tags: ['versions'],
        summary: 'The evidence attached to a version, with digests (any role on the model)',
        params: versionParams,
        response: { 200: listOf('Evidence'), ...errors },
      },
    },
    async (request) =>
      useCases.listEvidence(principalOf(request), {
        model: request.params.name,
        version: request.params.version,
      }),
  );

  app.post(
    '/models/:name/versions/:version/evidence',
    {
      config: { idempotent: true },
      // Authorise before the body is read: a caller who may not attach here (or a missing model
      // or version), or a path no gate run could read, is refused without the upload being
      // received or stored.
      preParsing: async (request, _reply, payload) => {
        const declared = Number(request.headers['content-length']);
        // Not validated yet (preParsing runs first): whatever was sent, if anything.
        const path: unknown = request.query.path;
        await useCases.mayAttachEvidence(principalOf(request), {
          model: request.params.name,
          version: request.params.version,
          ...(typeof path === 'string' ? { paths: [path] } : {}),
          // Over the upload quota already by its Content-Length: refused unread too.
          ...(Number.isSafeInteger(declared) && declared >= 0 ? { bytes: declared } : {}),
        });
        return payload;
      },
      schema: {
        tags: ['evidence'],
        summary: 'Attach one evidence file (raw bytes, application/octet-stream)',
        params: versionParams,
        headers: idempotencyHeader,
        querystring: {
          type: 'object',
          required: ['path'],
          properties: {
            path: { type: 'string', minLength: 1, description: 'Relative path, e.g. metrics.json' },
            mediaType: {
              type: 'string',
              description:
                'An RFC 9110 media type (type/subtype; name=value parameters), ASCII, at most 255 characters; anything else is 400. Defaults to one inferred from the path.',
            },
          },
        },
        body: {
          content: {
            'application/octet-stream': {
              schema: { description: 'The file’s bytes, as they are (binary).' },
            },
          },
        },
        response: { 201: listOf('Evidence'), ...errors },
      },
    },
    async (request, reply) => {
      if (!Buffer.isBuffer(request.body)) {
        throw new ClearanceError('invalid_input', 'Evidence must be sent as raw bytes.', {
          problems: [{ message: 'No body.', fix: 'Send the file with application/octet-stream.' }],
        });
      }
      const { path, mediaType } = request.query;
      const records = await actingUseCases(request, useCases).attachEvidence(principalOf(request), {
        model: request.params.name,
        version: request.params.version,
        path,
        bytes: new Uint8Array(request.body),
        ...(mediaType ? { mediaType } : {}),
      });
      return reply.code(201).send(records);
    },
  );

  app.get(
    '/models/:name/versions/:version/evidence/content',
    {
      // Evidence is immutable, but who may read it can change: the browser keeps no copy.
      config: { cacheControl: 'private, no-store' },
      schema: {
        tags: ['evidence'],
        summary:
          'Download one evidence file, as attached, checked against its recorded digest (any role on the model)',
        params: versionParams,
        querystring: {
          type: 'object',
          required: ['path'],
          properties: {
            path: {
              type: 'string',
              minLength: 1,
              description:
                'The evidence path, as the evidence list gives it (e.g. robustness/gps-drift.csv)',
            },
          },
        },
        response: {
          200: {
            description:
              "The file's bytes with its recorded media type (application/octet-stream for one stored before media types were checked that no header can carry); a blob that no longer hashes to the recorded digest is refused (422 invalid_evidence, or 412 precondition_failed), never served.",
            headers: {
              'content-disposition': {
                type: 'string',
                description: 'attachment; filename="<last segment of the path>"',
              },
              digest: {
                type: 'string',
                description: 'The recorded digest the bytes were checked against (sha256:<hex>)',
              },
            },
            content: {
              'application/octet-stream': { schema: { type: 'string', format: 'binary' } },
            },
          },
          ...errors,
        },
      },
    },
    async (request, reply) => {
      const file = await useCases.evidenceContent(principalOf(request), {
        model: request.params.name,
        version: request.params.version,
        path: request.query.path,
      });
      return (
        reply
          .type(file.mediaType)
          .header('content-disposition', attachmentDisposition(file.filename))
          .header('digest', file.record.digest)
          // Uploaded bytes (HTML included) are never rendered or sniffed as this origin's page.
          .header('x-content-type-options', 'nosniff')
          .header('content-security-policy', "default-src 'none'; sandbox")
          .send(
            Readable.from([
              Buffer.from(file.bytes.buffer, file.bytes.byteOffset, file.bytes.byteLength),
            ]),
          )
      );
    },
  );

  app.get(
    '/models/:name/serving',
    {
      config: { cacheControl: 'private, max-age=5, stale-if-error=86400' },
      schema: {
        tags: ['serving'],
        summary: 'Which version serves production (and canary): the hot, ETag-cacheable read',
        params: nameParams,
        response: {
          200: ref('ServingView'),
          304: { type: 'null', description: 'Not modified' },
          ...errors,
        },
      },
    },
    async (request, reply) =>
      keptServing(reply, await useCases.serving(principalOf(request), request.params.name)),
  );
};

/**
 * `attachment` with the file's name: an ASCII fallback (anything else, quotes and backslashes
 * as `_`) and the exact name percent-encoded in UTF-8 (RFC 6266, RFC 8187).
 */
export function attachmentDisposition(filename: string): string {
  const ascii = filename.replace(/[^\x20-\x7e]|["\\]/g, '_');
  const encoded = encodeURIComponent(filename).replace(
    /['()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encoded}`;
}

/**
 * Fuzz suite over every route of the served OpenAPI document, on SQLite and PostgreSQL: random
 * path parameters, query values and bodies — NUL bytes, lone surrogates, bidi controls, very long
 * and deeply nested values, wrong types, broken JSON — sent by an admin (who gets furthest) and by
 * a user with no role. Whatever arrives, the server never answers 5xx, and a refused request
 * changes nothing but the refusal's own audit entry.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import { expect, it } from 'vitest';
import { bootstrapAdmin, createToken, createUser, requestTransition } from '../../src/app/index.js';
import { loadAuditSigner } from '../../src/compose.js';
import { loadConfig } from '../../src/config.js';
import {
  addVersion,
  forEachStore,
  people,
  type StoreHarness,
  seedProduction,
  setupModel,
  toStaging,
} from '../app/harness.js';
import { storeContents } from '../app/store-contents.js';
import { serveHarness } from './serve-harness.js';

const model = 'home-feed';
/** Audit actions a refusal may write: the refusal itself, or a decision that moved nothing. */
const refusalActions = new Set([
  'access.denied',
  'transition.blocked',
  'transition.conflict',
  'gate.evaluated',
]);

interface Operation {
  method: 'GET' | 'POST' | 'DELETE';
  path: string;
  params: string[];
  query: string[];
  bodyProperties: string[];
  hasBody: boolean;
}

/** Percent-encodes every UTF-16 unit, lone surrogates included (as their 3-byte forms). */
function encodeUnits(text: string): string {
  let out = '';
  for (const unit of text) {
    const code = unit.codePointAt(0) ?? 0;
    if (code >= 0xd800 && code <= 0xdfff) {
      out += `%${(0xe0 | (code >> 12)).toString(16)}%${(0x80 | ((code >> 6) & 0x3f)).toString(16)}%${(0x80 | (code & 0x3f)).toString(16)}`;
    } else out += encodeURIComponent(unit);
  }
  return out;
}

const hostileText = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom(
    '\u0000',
    'a\u0000b',
    '\ud800',
    'x\udfffy',
    '\u202egnp.md',
    '..',
    '../../etc/passwd',
    '%00',
    'A'.repeat(300),
    'é'.repeat(150),
    '',
    ' ',
  ),
);

function deepValue(depth: number): unknown {
  let value: unknown = 'x';
  for (let i = 0; i < depth; i += 1) value = { a: value };
  return value;
}

const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  hostileText,
  fc.jsonValue({ maxDepth: 3 }),
  fc.integer({ min: 100, max: 1500 }).map(deepValue),
  fc.constantFrom(null, true, -1, 1e308, [], {}),
);

function bodyFor(operation: Operation, valid: Record<string, unknown>) {
  const named = fc
    .dictionary(
      fc.constantFrom(...(operation.bodyProperties.length ? operation.bodyProperties : ['x'])),
      hostileValue,
    )
    .map((over) => ({ ...valid, ...over }));
  return fc.oneof(
    named.map((value) => ({ payload: JSON.stringify(value), type: 'application/json' })),
    fc.jsonValue({ maxDepth: 4 }).map((v) => ({
      payload: JSON.stringify(v) ?? 'null',
      type: 'application/json',
    })),
    fc.constantFrom(
      { payload: '{"a":', type: 'application/json' },
      { payload: '{"a":"\\u0000"}', type: 'application/json' },
      { payload: '{"a":"\\ud800"}', type: 'application/json' },
      { payload: `${'['.repeat(4500)}${']'.repeat(4500)}`, type: 'application/json' },
      { payload: 'plain', type: 'text/plain' },
      { payload: '# Notes\n', type: 'application/octet-stream' },
    ),
  );
}

async function operationsOf(app: FastifyInstance): Promise<Operation[]> {
  const response = await app.inject({ method: 'GET', url: '/api/v1/openapi.json' });
  const doc = response.json() as {
    paths: Record<string, Record<string, OpenApiOperation>>;
  };
  return Object.entries(doc.paths).flatMap(([path, ops]) =>
    Object.entries(ops).map(([method, op]) => {
      const schema = op.requestBody?.content?.['application/json']?.schema;
      return {
        method: method.toUpperCase() as Operation['method'],
        path,
        params: (op.parameters ?? []).filter((p) => p.in === 'path').map((p) => p.name),
        query: (op.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name),
        bodyProperties: Object.keys(schema?.properties ?? {}),
        hasBody: op.requestBody !== undefined,
      };
    }),
  );
}

interface OpenApiOperation {
  parameters?: { in: string; name: string }[];
  requestBody?: { content?: Record<string, { schema?: { properties?: Record<string, unknown> } }> };
}

/** Valid bodies where the route needs one, so fuzzed fields reach past validation. */
const validBodies: Record<string, Record<string, unknown>> = {
  'POST /api/v1/models': { name: 'fuzz-model', ownerTeam: 'ml' },
  'POST /api/v1/models/{name}/versions': {
    version: 'n1',
    artifactUri: 's3://m/n1',
    artifactDigest: `sha256:${'a'.repeat(64)}`,
  },
  'POST /api/v1/requests': { model, version: 'c2', to: 'staging', reason: 'Ready' },
  'POST /api/v1/requests/{id}/approvals': {
    decision: 'approve',
    role: 'product_owner',
    comment: 'ok',
    riskClass: 'low',
  },
  'POST /api/v1/users': { id: 'fuzz.user' },
  'POST /api/v1/users/{id}/roles': { role: 'tech_lead' },
  'POST /api/v1/tokens': { userId: 'victim' },
};

type Contents = Awaited<ReturnType<typeof storeContents>>;

/** The models' contents less the decision records a refusal may add and point its request at. */
function withoutDecisions(models: Contents['models']) {
  return models.map(({ decisions: _decisions, requests, ...rest }) => ({
    ...rest,
    requests: requests.map(({ request: { decisionId: _decisionId, ...request }, approvals }) => ({
      request,
      approvals,
    })),
  }));
}

forEachStore('every route under fuzzing', (open) => {
  it('never answers 5xx, and a refusal changes nothing but its audit entry', async () => {
    const h: StoreHarness = await open();
    const dataDir = mkdtempSync(join(tmpdir(), 'clearance-fuzz-'));
    const signer = loadAuditSigner(
      loadConfig({ flags: { dataDir, database: `sqlite:${join(dataDir, 'unused.db')}` }, env: {} }),
    );
    const app = serveHarness(h, { auditSigner: signer });
    try {
      await setupModel(h, 'recommender', model, 'medium');
      await addVersion(h, { model, version: 'b1', dir: 'recommender/baseline' });
      await seedProduction(h, model, 'b1');
      await addVersion(h, { model, version: 'c1', dir: 'recommender/candidates/passing' });
      await addVersion(h, { model, version: 'c2', dir: 'recommender/candidates/passing' });
      await toStaging(h, model, 'c1');
      const { request } = await requestTransition(h.deps, people.ci, {
        model,
        version: 'c1',
        to: 'production',
        reason: 'CTR lift',
      });
      const { token } = await bootstrapAdmin(h.deps, { userId: people.admin.id });
      await createUser(h.deps, people.admin, { id: 'nobody' });
      await createUser(h.deps, people.admin, { id: 'victim' });
      const nobody = await createToken(h.deps, people.admin, { userId: 'nobody' });
      const callers = [`Bearer ${token.token}`, `Bearer ${nobody.token}`];
      const known: Record<string, string> = {
        name: model,
        version: 'c1',
        id: request.id,
        seq: '0',
      };

      const operations = await operationsOf(app);
      expect(operations.length).toBeGreaterThan(20);
      const failures: string[] = [];
      for (const operation of operations) {
        const key = `${operation.method} ${operation.path}`;
        const param = (name: string) =>
          fc.oneof(fc.constant(known[name] ?? 'x'), hostileText).map(encodeUnits);
        const call = fc.record({
          params: fc.tuple(...operation.params.map(param)),
          query: fc.dictionary(
            fc.constantFrom(...(operation.query.length ? operation.query : ['q']), 'token'),
            hostileText.map(encodeUnits),
            { maxKeys: 3 },
          ),
          body: bodyFor(operation, validBodies[key] ?? {}),
          caller: fc.constantFrom(...callers),
        });
        const property = fc.asyncProperty(call, async ({ params, query, body, caller }) => {
          let url = operation.path;
          operation.params.forEach((name, i) => {
            url = url.replace(`{${name}}`, params[i] ?? 'x');
          });
          const search = Object.entries(query)
            .map(([k, v]) => `${k}=${v}`)
            .join('&');
          if (search) url += `?${search}`;
          const before = await storeContents(h.store);
          const response = await app.inject({
            method: operation.method,
            url,
            headers: {
              authorization: caller,
              ...(operation.hasBody ? { 'content-type': body.type } : {}),
            },
            ...(operation.hasBody ? { payload: body.payload } : {}),
          });
          expect(response.statusCode, `${url} → ${response.body.slice(0, 200)}`).toBeLessThan(500);
          if (response.statusCode >= 400) {
            const after = await storeContents(h.store);
            const added = after.audit.entries.slice(before.audit.size).map((e) => e.entry.action);
            expect(
              added.filter((a) => !refusalActions.has(a)),
              `${key} ${url}`,
            ).toEqual([]);
            // A blocked transition keeps its decision record (and the request points at it);
            // nothing else may move.
            const recorded = added.some(
              (a) => a === 'transition.blocked' || a === 'gate.evaluated',
            );
            const comparable = recorded ? withoutDecisions : (m: typeof before.models) => m;
            expect(comparable(after.models), `${key} ${url}`).toEqual(comparable(before.models));
            expect(after.identity, `${key} ${url}`).toEqual(before.identity);
          }
          return true;
        });
        // Every route is fuzzed even when one fails, so one run lists every 5xx.
        await fc.assert(property, { numRuns: 12 }).catch((error: unknown) => {
          const first = String(error instanceof Error ? error.message : error).split('\n');
          const cause = error instanceof Error && error.cause instanceof Error ? error.cause : null;
          failures.push(`${key}: ${first.slice(0, 3).join(' ')} — ${cause?.message ?? ''}`);
        });
      }
      expect(failures).toEqual([]);
    } finally {
      await app.close();
    }
  }, 600_000);
});

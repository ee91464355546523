import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { stubServer } from './fixture.js';

/**
 * The committed docs/reference/openapi.json must equal what the server serves (Backstage's
 * API report pattern). After changing a route, regenerate it with
 * `CLEARANCE_UPDATE_OPENAPI=1 npx vitest run test/http/openapi.test.ts` and commit the diff.
 */
const committedPath = join(import.meta.dirname, '..', '..', 'docs', 'reference', 'openapi.json');

const { app } = stubServer();
afterAll(() => app.close());

interface Operation {
  responses?: Record<string, unknown>;
  security?: unknown[];
}

async function served(): Promise<Record<string, unknown>> {
  const response = await app.inject({ method: 'GET', url: '/api/v1/openapi.json' });
  expect(response.statusCode).toBe(200);
  return response.json();
}

describe('OpenAPI document', () => {
  it('is OpenAPI 3 with every route, each with responses', async () => {
    const doc = await served();
    expect(String(doc.openapi)).toMatch(/^3\./);
    const paths = doc.paths as Record<string, Record<string, Operation>>;
    const expected = [
      'post /api/v1/policies',
      'post /api/v1/models',
      'get /api/v1/models',
      'get /api/v1/models/{name}',
      'post /api/v1/models/{name}/versions',
      'get /api/v1/models/{name}/versions',
      'get /api/v1/models/{name}/versions/{version}',
      'get /api/v1/models/{name}/versions/{version}/evidence',
      'post /api/v1/models/{name}/versions/{version}/evidence',
      'get /api/v1/models/{name}/versions/{version}/evidence/content',
      'get /api/v1/models/{name}/serving',
      'post /api/v1/models/{name}/rollback',
      'post /api/v1/models/{name}/versions/{version}/import-production',
      'post /api/v1/requests',
      'get /api/v1/requests',
      'get /api/v1/requests/{id}',
      'post /api/v1/requests/{id}/approvals',
      'post /api/v1/requests/{id}/cancel',
      'post /api/v1/requests/{id}/execute',
      'post /api/v1/requests/{id}/reviews',
      'get /api/v1/reviews',
      'get /api/v1/inbox',
      'get /api/v1/board',
      'get /api/v1/decisions/{id}',
      'post /api/v1/decisions/{id}/replay',
      'get /healthz',
      'get /metrics',
      'get /api/v1/audit/checkpoints/latest',
      'get /api/v1/audit/checkpoints',
      'post /api/v1/audit/checkpoints',
      'get /api/v1/audit/entries',
      'get /api/v1/audit/proofs/inclusion/{seq}',
      'get /api/v1/audit/proofs/consistency',
      'get /api/v1/audit/state',
      'get /api/v1/models/{name}/history',
      'get /api/v1/models/{name}/policy',
      'post /api/v1/models/{name}/versions/{version}/dry-run',
      'post /api/v1/users',
      'get /api/v1/users',
      'post /api/v1/users/{id}/roles',
      'delete /api/v1/users/{id}/roles',
      'post /api/v1/users/{id}/disable',
      'post /api/v1/users/{id}/enable',
      'post /api/v1/tokens',
      'get /api/v1/tokens',
      'delete /api/v1/tokens/{id}',
      'get /api/v1/me',
      'get /api/v1/models/{name}/versions/{version}/evidence-pack',
      'post /api/v1/policies/backtest',
      'post /api/v1/webhooks',
      'get /api/v1/webhooks',
      'get /api/v1/webhooks/{id}',
      'patch /api/v1/webhooks/{id}',
      'delete /api/v1/webhooks/{id}',
      'post /api/v1/webhooks/{id}/rotate-secret',
      'post /api/v1/webhooks/{id}/disable',
      'get /api/v1/webhooks/{id}/deliveries',
      'post /api/v1/webhooks/{id}/deliveries/{eventId}/redeliver',
      'put /api/v1/users/{id}/email',
      'get /api/v1/rollouts',
      'get /api/v1/rollouts/{id}',
      'get /api/v1/rollouts/{id}/timeline',
      'get /api/v1/sign-in',
      'post /api/v1/rollouts/{id}/observations',
      'post /api/v1/rollouts/{id}/pause',
      'post /api/v1/rollouts/{id}/resume',
      'post /api/v1/rollouts/{id}/abort',
      'post /api/v1/rollouts/{id}/promote',
    ];
    const found = Object.entries(paths).flatMap(([path, ops]) =>
      Object.keys(ops).map((method) => `${method} ${path}`),
    );
    expect(found.sort()).toEqual([...expected].sort());
    for (const [path, ops] of Object.entries(paths)) {
      for (const [method, op] of Object.entries(ops)) {
        const codes = Object.keys(op.responses ?? {});
        expect(codes.length, `${method} ${path} has responses`).toBeGreaterThan(0);
        if (path.startsWith('/api/v1/')) expect(codes, `${method} ${path}`).toContain('4XX');
      }
    }
  });

  it('resolves every $ref to a component schema', async () => {
    const doc = await served();
    const text = JSON.stringify(doc);
    const schemas = (doc.components as { schemas: Record<string, unknown> }).schemas;
    for (const match of text.matchAll(/"\$ref":"#\/components\/schemas\/([^"]+)"/g)) {
      expect(schemas, match[1]).toHaveProperty(match[1] ?? '');
    }
    expect(text).not.toMatch(/"\$ref":"(?!#\/components\/schemas\/)/);
  });

  it('matches the committed docs/reference/openapi.json', async () => {
    const current = `${JSON.stringify(await served(), null, 2)}\n`;
    if (process.env.CLEARANCE_UPDATE_OPENAPI === '1') writeFileSync(committedPath, current);
    const committed = readFileSync(committedPath, 'utf8');
    expect(
      committed,
      'docs/reference/openapi.json is stale: run CLEARANCE_UPDATE_OPENAPI=1 npx vitest run test/http/openapi.test.ts',
    ).toBe(current);
  });
});

/**
 * GET …/evidence/content?path=: one evidence file as attached, on SQLite and PostgreSQL (and the
 * in-memory fake): its bytes, media type, name and digest; a role on the model (or a global one)
 * may read it and the evidence list, no role or a role on another model is refused and audited;
 * a missing path is 404; a changed blob is refused, never served.
 */
import type { FastifyInstance } from 'fastify';
import { afterEach, expect, it } from 'vitest';
import { attachmentDisposition } from '../../src/http/model-routes.js';
import { forEachStore, readAudit, type StoreHarness } from '../app/harness.js';
import { testIdentity } from './fixture.js';
import { servedWithVersion } from './serve-harness.js';

const model = 'credit-risk-pd';
const identity = testIdentity();
const ci = identity.bearer('ci.pipeline', 'mlops');
const auditor = identity.bearer('ada.auditor', 'auditor');
const nobody = identity.bearer('nick.nobody');
const ownerHere = identity.bearerWith('olga.owner', [{ role: 'model_owner', model }]);
const ownerElsewhere = identity.bearerWith('eve.elsewhere', [
  { role: 'model_owner', model: 'other-model' },
  { role: 'auditor', model: 'other-model' },
]);
const servers: FastifyInstance[] = [];
afterEach(async () => {
  for (const app of servers.splice(0)) await app.close();
});

const csv = Buffer.from('group,score\nzone é,0.5\n');
const html = Buffer.from('<script>alert(1)</script>\n');

async function seeded(h: StoreHarness): Promise<FastifyInstance> {
  const app = await servedWithVersion(h, {
    model,
    bearer: ci,
    directory: identity.directory,
    servers,
  });
  for (const [path, bytes] of [
    ['robustness/zone é.csv', csv],
    ['report.html', html],
  ] as const) {
    const attached = await app.inject({
      method: 'POST',
      url: `/api/v1/models/${model}/versions/1/evidence?path=${encodeURIComponent(path)}`,
      headers: { authorization: ci, 'content-type': 'application/octet-stream' },
      payload: bytes,
    });
    expect(attached.statusCode).toBe(201);
  }
  return app;
}

const download = (app: FastifyInstance, path: string, authorization = auditor) =>
  app.inject({
    method: 'GET',
    url: `/api/v1/models/${model}/versions/1/evidence/content?path=${encodeURIComponent(path)}`,
    headers: { authorization },
  });

forEachStore('evidence download route', (open) => {
  it('serves one file as attached, with its media type, name and digest', async () => {
    const h = await open();
    const app = await seeded(h);
    const listed = (
      await app.inject({
        url: `/api/v1/models/${model}/versions/1/evidence`,
        headers: { authorization: auditor },
      })
    ).json() as { path: string; digest: string }[];
    const record = listed.find((e) => e.path === 'robustness/zone é.csv');
    const response = await download(app, 'robustness/zone é.csv');
    expect(response.statusCode).toBe(200);
    expect(response.rawPayload.equals(csv)).toBe(true);
    expect(response.headers['content-type']).toMatch(/^text\/csv/);
    expect(response.headers['content-disposition']).toBe(
      `attachment; filename="zone _.csv"; filename*=UTF-8''zone%20%C3%A9.csv`,
    );
    expect(response.headers.digest).toBe(record?.digest);
    expect(response.headers['cache-control']).toBe('private, no-store');
    // Uploaded HTML is a download, never a page of this origin.
    const page = await download(app, 'report.html');
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.headers['content-disposition']).toMatch(/^attachment; filename="report.html"/);
    expect(page.headers['x-content-type-options']).toBe('nosniff');
    expect(page.headers['content-security-policy']).toBe("default-src 'none'; sandbox");
  });

  it('refuses the list and the files to a role on another model (audited), as the pack', async () => {
    const h = await open();
    const app = await seeded(h);
    const list = (authorization: string) =>
      app.inject({
        url: `/api/v1/models/${model}/versions/1/evidence`,
        headers: { authorization },
      });
    for (const read of [
      () => list(ownerElsewhere),
      () => download(app, 'report.html', ownerElsewhere),
    ]) {
      const refused = await read();
      expect(refused.statusCode, refused.body).toBe(403);
      expect(refused.json().code).toBe('forbidden');
      expect((await readAudit(h)).at(-1)).toMatchObject({
        action: 'access.denied',
        actor: { id: 'eve.elsewhere' },
      });
    }
    const pack = await app.inject({
      url: `/api/v1/models/${model}/versions/1/evidence-pack`,
      headers: { authorization: ownerElsewhere },
    });
    expect(pack.statusCode).toBe(403);
    // A role bound to this model reads both.
    expect((await list(ownerHere)).statusCode).toBe(200);
    const file = await download(app, 'robustness/zone é.csv', ownerHere);
    expect(file.statusCode).toBe(200);
    expect(file.rawPayload.equals(csv)).toBe(true);
  });

  it('refuses a caller without a role (audited), a missing path and a changed blob', async () => {
    const h = await open();
    const app = await seeded(h);
    const refused = await download(app, 'report.html', nobody);
    expect(refused.statusCode).toBe(403);
    expect((await readAudit(h)).at(-1)).toMatchObject({
      action: 'access.denied',
      actor: { id: 'nick.nobody' },
    });
    const missing = await download(app, 'robustness/absent.csv');
    expect(missing.statusCode).toBe(404);
    expect(missing.json().code).toBe('not_found');
    expect((await download(app, '')).statusCode).toBe(400);

    const digest = (
      (
        await app.inject({
          url: `/api/v1/models/${model}/versions/1/evidence`,
          headers: { authorization: auditor },
        })
      ).json() as { path: string; digest: string }[]
    ).find((e) => e.path === 'report.html')?.digest as string;
    await h.tamperBlob(digest, new TextEncoder().encode('<p>changed</p>\n'));
    const changed = await download(app, 'report.html');
    // The file blob store notices first (422 invalid_evidence); a store that does not is caught
    // by the use case's own check (412 precondition_failed). Either way nothing is served.
    expect([412, 422]).toContain(changed.statusCode);
    expect(changed.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(changed.body).not.toContain('changed</p>');
  });
});

it('names a file in Content-Disposition safely', () => {
  expect(attachmentDisposition('a"b\\c.csv')).toBe(
    `attachment; filename="a_b_c.csv"; filename*=UTF-8''a%22b%5Cc.csv`,
  );
  expect(attachmentDisposition("it's (1).md")).toBe(
    `attachment; filename="it's (1).md"; filename*=UTF-8''it%27s%20%281%29.md`,
  );
});

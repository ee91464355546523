/**
 * docs/mlflow-compatibility.md against the server: every endpoint the server answers with an
 * MLflow error is listed as not supported with that error, and every endpoint the page calls
 * supported is a route of the server (under both prefixes).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { mlflowPrefixes, unsupportedEndpoints } from '../../src/http/mlflow-routes.js';
import { repoRoot } from '../cli/run-cli.js';
import { stubServer } from '../http/fixture.js';

const page = readFileSync(join(repoRoot, 'docs', 'mlflow-compatibility.md'), 'utf8');

/** The endpoint table's rows: method, path, status text. */
const rows = [
  ...page.matchAll(/^\| `(GET|POST|PATCH|DELETE) ([a-z/-]+)`[^|]*\| ([^|]+) \|$/gm),
].map((m) => ({ method: m[1] ?? '', path: m[2] ?? '', status: m[3] ?? '' }));

describe('docs/mlflow-compatibility.md', () => {
  it('lists every endpoint of issue 14, each once', () => {
    const endpoints = rows.map((r) => `${r.method} ${r.path}`);
    expect(new Set(endpoints).size).toBe(endpoints.length);
    expect(endpoints).toHaveLength(21);
  });

  it('says NOT_IMPLEMENTED exactly for the endpoints the server refuses', () => {
    const refused = unsupportedEndpoints.map((e) => `${e.method} ${e.path.slice(1)}`).sort();
    const documented = rows
      .filter((r) => r.status.startsWith('not supported: `NOT_IMPLEMENTED` (501)'))
      .map((r) => `${r.method} ${r.path}`)
      .sort();
    expect(documented).toEqual(refused);
  });

  it('names a route of the server for every supported endpoint, under both prefixes', async () => {
    const { app } = stubServer();
    await app.ready();
    const supported = rows.filter((r) => r.status.startsWith('supported'));
    expect(supported).toHaveLength(18);
    for (const row of supported) {
      for (const prefix of mlflowPrefixes) {
        const url = `${prefix}/${row.path}`;
        expect(app.hasRoute({ method: row.method as 'GET', url }), url).toBe(true);
      }
    }
    await app.close();
  });

  it('names every audit action the metadata use cases write', () => {
    const source = readFileSync(
      join(repoRoot, 'src', 'app', 'mlflow', 'mlflow-metadata.ts'),
      'utf8',
    );
    const actions = [...source.matchAll(/action: '([a-z]+\.[a-z_]+)'/g)].map((m) => m[1]);
    expect(actions.length).toBeGreaterThanOrEqual(8);
    for (const action of actions) expect(page).toContain(`\`${action}\``);
  });
});

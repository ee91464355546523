import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import openapiTS from 'openapi-typescript';
import { describe, expect, it } from 'vitest';
import { repoRoot } from './run-cli.js';

describe('the remote registry types', () => {
  it('are generated from the committed OpenAPI document (run `npm run openapi:types`)', async () => {
    const document = JSON.parse(
      readFileSync(join(repoRoot, 'docs', 'reference', 'openapi.json'), 'utf8'),
    );
    const committed = readFileSync(
      join(repoRoot, 'src', 'cli', 'registry', 'openapi.d.ts'),
      'utf8',
    );
    expect(committed).toBe(await openapiTS(document));
  });
});

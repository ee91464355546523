/**
 * The reads behind `request list`, `version show` and `evidence list`, on every engine: a model's
 * requests filtered by version and status, one version, and its evidence with the digests of the
 * files as attached; each refused (and audited) for a caller without a role on the model.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { bindUseCases } from '../../src/app/index.js';
import {
  examplesDir,
  forEachStore,
  people,
  person,
  promoteCreditRisk,
  readActions,
  refusal,
} from './harness.js';

const model = 'credit-risk-pd';
const sha256 = (file: string) =>
  `sha256:${createHash('sha256').update(readFileSync(file)).digest('hex')}`;

forEachStore('reads of what people sign', (open) => {
  it('lists requests by version and status, a version, and its evidence digests', async () => {
    const h = await open();
    await promoteCreditRisk(h, { model });
    const app = bindUseCases(h.deps);
    const reader = people.risk;
    const all = await app.listRequests(reader, { model });
    expect(all.map((r) => `${r.version} ${r.from}→${r.to} ${r.status}`)).toEqual([
      '2026.2 draft→staging executed',
      '2026.2 staging→production executed',
    ]);
    expect(await app.listRequests(reader, { model, status: ['pending'] })).toEqual([]);
    expect(await app.listRequests(reader, { model, version: '2026.1' })).toEqual([]);
    const version = await app.getVersion(reader, { model, version: '2026.2' });
    expect(version.state).toBe('production');
    const evidence = await app.listEvidence(reader, { model, version: '2026.2' });
    const dir = join(examplesDir, 'credit-risk', 'candidates', 'passing');
    expect(evidence.length).toBeGreaterThan(0);
    for (const e of evidence) expect(e.digest).toBe(sha256(join(dir, e.path)));
  });

  it('refuses a caller with no role on the model, and names an unknown one', async () => {
    const h = await open();
    await promoteCreditRisk(h, { model });
    const app = bindUseCases(h.deps);
    const elsewhere = { ...person('nina.other'), roles: [{ role: 'model_owner', model: 'other' }] };
    const denied = await refusal(app.listRequests(elsewhere, { model }));
    expect(denied.code).toBe('forbidden');
    expect(await readActions(h)).toContain('access.denied');
    expect((await refusal(app.listRequests(people.risk, { model: 'nope' }))).code).toBe(
      'not_found',
    );
    expect((await refusal(app.listEvidence(people.risk, { model, version: '9.9' }))).code).toBe(
      'not_found',
    );
    expect((await refusal(app.getVersion(people.risk, { model, version: '9.9' }))).code).toBe(
      'not_found',
    );
  });
});

/**
 * Versions a decision moved: a deprecated rollback target takes no new evidence (it may return to
 * production as it is), and a model whose production a governed transition retired has nothing to
 * roll back (bringing an older version back is a new request).
 */
import { expect, it } from 'vitest';
import { attachEvidence, rollback } from '../../src/app/index.js';
import { forEachStore, people, promoteCreditRisk, refusal } from './harness.js';
import { storeContents } from './store-contents.js';

const model = 'credit-risk-pd';
const notes = { path: 'extra.md', bytes: new TextEncoder().encode('# Extra\n') };

forEachStore('versions a decision moved', (open) => {
  it('refuses evidence for the deprecated rollback target, and changes nothing', async () => {
    const h = await open();
    await promoteCreditRisk(h);
    const before = await storeContents(h.store);
    const error = await refusal(
      attachEvidence(h.deps, people.ci, { model, version: '2026.1', files: [notes] }),
    );
    expect(error.code).toBe('conflict');
    expect(error.message).toContain(`Version ${model}@2026.1 is deprecated`);
    expect((await storeContents(h.store)).models).toEqual(before.models);
  });

  it('refuses a rollback when no version is in production', async () => {
    const h = await open();
    await promoteCreditRisk(h);
    // As a governed production → deprecated leaves it: nothing serves, the target remains.
    await h.store.transaction(async (tx) => {
      const since = h.clock.now().toISOString();
      await tx.versions.setState({ model, version: '2026.2', state: 'deprecated', since });
      const serving = await tx.serving.get(model);
      await tx.serving.set({
        model,
        ...(serving?.rollbackTarget ? { rollbackTarget: serving.rollbackTarget } : {}),
      });
    });
    const error = await refusal(
      rollback(h.deps, people.mlops, { model, reason: 'Bring the old scorecard back' }),
    );
    expect(error.code).toBe('precondition_failed');
    expect(error.message).toBe(
      `Model ${model} has no version in production, so there is nothing to roll back.`,
    );
  });
});

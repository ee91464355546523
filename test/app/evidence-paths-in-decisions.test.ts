/**
 * Decision records name evidence by its recorded path, never by the temporary directory the
 * server unpacked it into (issue 7 finding 16); replay still reproduces them, records written
 * before included.
 */
import { tmpdir } from 'node:os';
import { expect, it } from 'vitest';
import {
  attachEvidence,
  registerVersion,
  replayDecision,
  requestTransition,
} from '../../src/app/index.js';
import type { DecisionRecord } from '../../src/domain/index.js';
import { evidenceFiles, forEachStore, people, setupModel } from './harness.js';

const model = 'home-feed';

forEachStore('evidence paths in decision records', (open) => {
  async function brokenLineageDecision() {
    const h = await open();
    await setupModel(h, 'recommender', model, 'medium');
    await registerVersion(h.deps, people.ci, {
      model,
      version: 'v1',
      artifactUri: 's3://models/home-feed/v1',
      artifactDigest: `sha256:${'c'.repeat(64)}`,
      lineage: {},
    });
    const files = evidenceFiles('recommender/candidates/passing').filter(
      (f) => f.path !== 'lineage.json',
    );
    files.push({ path: 'lineage.json', bytes: new TextEncoder().encode('[1, 2]') });
    await attachEvidence(h.deps, people.ci, { model, version: 'v1', files });
    const { decision } = await requestTransition(h.deps, people.owner, {
      model,
      version: 'v1',
      to: 'staging',
      reason: 'Ready for validation',
    });
    return { h, decision };
  }

  it('names a broken lineage.json by its evidence path only', async () => {
    const { decision } = await brokenLineageDecision();
    const text = JSON.stringify(decision);
    expect(text).toContain('lineage.json');
    expect(text).not.toContain('clearance-evidence-');
    expect(text).not.toContain(tmpdir());
    const repro = decision.gates.find((g) => g.gateId === 'repro');
    expect(repro?.outcome).toBe('error');
  });

  it('replays such a decision, and one recorded with a temporary path before the fix', async () => {
    const { h, decision } = await brokenLineageDecision();
    expect(
      (await replayDecision(h.deps, people.admin, { decisionId: decision.id })).reproduced,
    ).toBe(true);
    // What an older server stored: the same decision naming its temporary directory.
    const gates = JSON.parse(
      JSON.stringify(decision.gates).replaceAll(
        'lineage.json',
        `${tmpdir()}/clearance-evidence-Ab12Cd/lineage.json`,
      ),
    ) as DecisionRecord['gates'];
    expect(JSON.stringify(gates)).toContain('clearance-evidence-Ab12Cd');
    const stored: DecisionRecord = { ...decision, id: `${decision.id}-old`, gates };
    await h.store.transaction((tx) => tx.decisions.insert(stored));
    const replay = await replayDecision(h.deps, people.admin, { decisionId: stored.id });
    expect(replay.differences).toEqual([]);
    expect(replay.reproduced).toBe(true);
  });
});

/**
 * `POST /api/v1/models` registers the policy and the model together (issue 7 finding 12): a
 * refused model leaves no policy and no `policy.registered` entry behind, on every engine.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { bindUseCases } from '../../src/app/index.js';
import { parsePolicy } from '../../src/policy/index.js';
import { examplesDir, forEachStore, people, readActions, refusal } from './harness.js';

const policyText = readFileSync(join(examplesDir, 'recommender', 'policy.yaml'), 'utf8');
const otherPolicyText = policyText.replace('owner: discovery-ml', 'owner: discovery-ml-2');

function digestOf(text: string): string {
  const parsed = parsePolicy(text, 'policy.yaml');
  if (!parsed.ok) throw new Error('example policy does not parse');
  return parsed.digest;
}

forEachStore('registering a model with its policy', (open) => {
  it('registers the policy and the model, each audited', async () => {
    const h = await open();
    const useCases = bindUseCases(h.deps);
    const model = await useCases.registerModel(people.admin, {
      name: 'home-feed',
      ownerTeam: 'discovery',
      policy: policyText,
    });
    expect(model.policyDigest).toBe(digestOf(policyText));
    expect(model.riskTier).toBe('medium');
    expect(await readActions(h)).toEqual(['policy.registered', 'model.registered']);
  });

  it('writes nothing when the model name is refused (400)', async () => {
    const h = await open();
    const useCases = bindUseCases(h.deps);
    const refused = await refusal(
      useCases.registerModel(people.admin, {
        name: 'Not A Name',
        ownerTeam: 'discovery',
        policy: policyText,
      }),
    );
    expect(refused.code).toBe('invalid_input');
    expect(await h.store.read((tx) => tx.policies.get(digestOf(policyText)))).toBeUndefined();
    expect(await readActions(h)).toEqual([]);
  });

  it('writes nothing when the model already exists (409)', async () => {
    const h = await open();
    const useCases = bindUseCases(h.deps);
    await useCases.registerModel(people.admin, {
      name: 'home-feed',
      ownerTeam: 'discovery',
      policy: policyText,
    });
    const before = await readActions(h);
    const refused = await refusal(
      useCases.registerModel(people.admin, {
        name: 'home-feed',
        ownerTeam: 'discovery',
        policy: otherPolicyText,
      }),
    );
    expect(refused.code).toBe('conflict');
    expect(refused.message).toBe('Model home-feed is already registered.');
    expect(digestOf(otherPolicyText)).not.toBe(digestOf(policyText));
    expect(await h.store.read((tx) => tx.policies.get(digestOf(otherPolicyText)))).toBeUndefined();
    expect(await readActions(h)).toEqual(before);
  });

  it('writes only the access.denied entry when the caller is no admin (403)', async () => {
    const h = await open();
    const useCases = bindUseCases(h.deps);
    const refused = await refusal(
      useCases.registerModel(people.owner, {
        name: 'home-feed',
        ownerTeam: 'discovery',
        policy: policyText,
      }),
    );
    expect(refused.code).toBe('forbidden');
    expect(await h.store.read((tx) => tx.policies.get(digestOf(policyText)))).toBeUndefined();
    expect(await readActions(h)).toEqual(['access.denied']);
  });
});

/** examples/README.md names each example's emergency sign-off (ADR 011); the policies agree. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { parsePolicy } from '../../src/policy/index.js';
import { examplesDir } from './harness.js';

const named: Record<string, string[] | undefined> = {
  'credit-risk': ['risk_officer'],
  fraud: ['fraud_ops_lead'],
  'medical-imaging': ['senior_clinician'],
  'ride-sharing-eta': ['product_owner'],
  // The default: one model_owner or product_owner other than the requester.
  recommender: undefined,
};

it('each example policy names the emergency sign-off the examples README states', () => {
  for (const [example, roles] of Object.entries(named)) {
    const text = readFileSync(join(examplesDir, example, 'policy.yaml'), 'utf8');
    const parsed = parsePolicy(text, `${example}/policy.yaml`);
    if (!parsed.ok) throw new Error(`${example}: ${parsed.problems[0]?.message}`);
    const approvals = parsed.policy.changeTypes.emergency?.approvals;
    expect(
      approvals?.map((a) => a.role),
      example,
    ).toEqual(roles);
  }
});

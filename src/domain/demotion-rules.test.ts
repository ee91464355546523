import { describe, expect, it } from 'vitest';
import { parsePolicy } from '../policy/index.js';
import { demotedOnPromotion, demotedOnRollback, rollbackTargetStates } from './demotion-rules.js';
import type { Policy } from './policy.js';

function policy(states: string, transitions: string): Policy {
  const text = `apiVersion: clearance/v1
kind: Policy
metadata: { name: p, riskTier: low }
states: [${states}]
transitions:
${transitions}`;
  const parsed = parsePolicy(text, 'p.yaml');
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
  return parsed.policy;
}

const step = (from: string, to: string) =>
  `  - { from: ${from}, to: ${to}, requestedBy: [mlops], approvals: [{ role: owner }] }\n`;

describe('demotion rules', () => {
  it('demote to deprecated whenever the policy has it', () => {
    const p = policy(
      'draft, staging, production, deprecated',
      step('draft', 'staging') + step('staging', 'production'),
    );
    expect(demotedOnPromotion(p, 'staging')).toBe('deprecated');
    expect(demotedOnRollback(p)).toBe('deprecated');
    expect(rollbackTargetStates(p)).toEqual(['deprecated']);
  });

  it('without deprecated, demote to where promotions to production start, never to an undeclared state', () => {
    const p = policy(
      'dev, candidate, hotfix, production, retired',
      step('dev', 'candidate') +
        step('candidate', 'production') +
        step('hotfix', 'production') +
        step('production', 'retired'),
    );
    expect(demotedOnPromotion(p, 'hotfix')).toBe('hotfix');
    expect(rollbackTargetStates(p)).toEqual(['candidate', 'hotfix']);
    expect(demotedOnRollback(p)).toBe('candidate');
  });

  it('a policy with no promotion to production (import only) demotes to its first other state', () => {
    const p = policy('production, retired', step('production', 'retired'));
    expect(demotedOnRollback(p)).toBe('retired');
  });
});

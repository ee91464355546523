import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parsePolicy } from '../policy/index.js';
import type { Policy } from './policy.js';
import { checkTransitionRequest, isPastState } from './transition-rules.js';

function load(example: string): Policy {
  const file = join(import.meta.dirname, '..', '..', 'examples', example, 'policy.yaml');
  const parsed = parsePolicy(readFileSync(file, 'utf8'), file);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
  return parsed.policy;
}

const credit = load('credit-risk');
const base = {
  policy: credit,
  from: 'staging',
  to: 'production',
  changeType: 'standard' as const,
  roles: ['mlops'],
  reason: 'Quarterly refresh',
  ticket: 'RISK-12',
};

/** The credit-risk request, with every transition's ticket pattern replaced. */
function withTicketPattern(pattern: string) {
  const policy: Policy = {
    ...credit,
    transitions: credit.transitions.map((t) => ({ ...t, ticket: { required: true, pattern } })),
  };
  return { ...base, policy };
}

describe('checkTransitionRequest', () => {
  it('allows a well-formed standard request', () => {
    const result = checkTransitionRequest(base);
    expect(result.ok && result.transition.to).toBe('production');
  });

  it('refuses a transition the policy does not define', () => {
    const result = checkTransitionRequest({ ...base, from: 'draft', to: 'production' });
    expect(!result.ok && result.refusal.code).toBe('precondition_failed');
    expect(!result.ok && result.refusal.fix).toContain('draft → staging');
  });

  it('refuses a requester without a requestedBy role', () => {
    const result = checkTransitionRequest({ ...base, roles: ['model_owner'] });
    expect(!result.ok && result.refusal.code).toBe('forbidden');
  });

  it('refuses an emergency from anyone but break_glass', () => {
    const refused = checkTransitionRequest({ ...base, changeType: 'emergency' });
    expect(!refused.ok && refused.refusal.code).toBe('forbidden');
    const allowed = checkTransitionRequest({
      ...base,
      changeType: 'emergency',
      roles: ['break_glass'],
    });
    expect(allowed.ok).toBe(true);
  });

  it('refuses an experiment to production', () => {
    const result = checkTransitionRequest({ ...base, changeType: 'experiment' });
    expect(!result.ok && result.refusal.message).toContain('no further than staging');
  });

  it('allows an experiment to production only as a canary capped by maxCanaryTraffic', () => {
    const recommender = load('recommender');
    const request = {
      ...base,
      policy: recommender,
      roles: ['mlops'],
      ticket: '',
      changeType: 'experiment' as const,
    };
    expect(checkTransitionRequest(request).ok).toBe(true);
    const noCanary: Policy = {
      ...recommender,
      transitions: recommender.transitions.map(({ rollout: _, ...t }) => t),
    };
    const refused = checkTransitionRequest({ ...request, policy: noCanary });
    expect(!refused.ok && refused.refusal.message).toContain('only as a canary');
  });

  it('allows an experiment up to its max state', () => {
    const result = checkTransitionRequest({
      ...base,
      from: 'draft',
      to: 'staging',
      roles: ['model_owner'],
      changeType: 'experiment',
    });
    expect(result.ok).toBe(true);
  });

  it('requires a ticket matching the pattern', () => {
    const missing = checkTransitionRequest({ ...base, ticket: '' });
    expect(!missing.ok && missing.refusal.message).toContain('ticket ID is required');
    const wrong = checkTransitionRequest({ ...base, ticket: 'JIRA-1' });
    expect(!wrong.ok && wrong.refusal.fix).toContain('^RISK-[0-9]+$');
  });

  it('matches ticket patterns in linear time: ^(a+)+$ against 40 a and a ! is refused at once', () => {
    // Under backtracking this pattern doubles in cost per character: 40 would take days.
    const nested = withTicketPattern('^(a+)+$');
    const refused = checkTransitionRequest({ ...nested, ticket: `${'a'.repeat(40)}!` });
    expect(!refused.ok && refused.refusal.message).toContain('does not match ^(a+)+$');
    expect(checkTransitionRequest({ ...nested, ticket: 'a'.repeat(40) }).ok).toBe(true);
  });

  it('refuses a request when a stored ticket pattern is not RE2, naming the policy fix', () => {
    const result = checkTransitionRequest(withTicketPattern('^(?!JIRA)[A-Z]+-[0-9]+$'));
    expect(!result.ok && result.refusal.code).toBe('precondition_failed');
    expect(!result.ok && result.refusal.message).toContain('uses lookahead or lookbehind');
    expect(!result.ok && result.refusal.fix).toContain('RE2 syntax');
  });

  it('requires a reason', () => {
    const result = checkTransitionRequest({ ...base, reason: '  ' });
    expect(!result.ok && result.refusal.code).toBe('invalid_input');
  });

  it('orders states by the policy', () => {
    expect(isPastState(credit, 'production', 'staging')).toBe(true);
    expect(isPastState(credit, 'staging', 'staging')).toBe(false);
  });
});

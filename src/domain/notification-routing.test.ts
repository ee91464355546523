import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sampleEvents } from '../../test/notify/sample-events.js';
import type { NotificationEvent } from './notification-events.js';
import {
  matchesNamePattern,
  type Recipient,
  type RoutingRule,
  routeEvent,
  routingRuleSchema,
} from './notification-routing.js';

function sample(type: NotificationEvent['type']): NotificationEvent {
  const event = sampleEvents.find((candidate) => candidate.type === type);
  if (event === undefined) throw new Error(`No sample ${type}`);
  return event;
}

const people: Recipient[] = [
  {
    userId: 'rita.risk',
    displayName: 'Rita Risk',
    email: 'rita@example.com',
    roles: [{ role: 'risk_officer', model: 'credit-risk-scorer' }],
  },
  {
    userId: 'rob.risk',
    email: 'rob@example.com',
    roles: [{ role: 'risk_officer', model: 'fraud-detector' }],
  },
  { userId: 'gina.global', email: 'gina@example.com', roles: [{ role: 'risk_officer' }] },
  { userId: 'tom.lead', roles: [{ role: 'tech_lead' }] },
  { userId: 'ada.admin', email: 'ada@example.com', roles: [{ role: 'admin' }] },
];

const rules = (...list: unknown[]): RoutingRule[] =>
  list.map((rule) => routingRuleSchema.parse(rule));

describe('routing', () => {
  it('sends approval.requested by email to the risk officers of that model only', () => {
    const routing = routeEvent({
      rules: rules({
        events: ['approval.requested'],
        models: ['credit-risk-*'],
        roles: ['risk_officer'],
        channel: 'email',
      }),
      event: sample('approval.requested'),
      people,
    });
    expect(routing.deliveries).toEqual([
      {
        channel: 'email',
        to: { userId: 'rita.risk', email: 'rita@example.com', displayName: 'Rita Risk' },
        mode: 'immediate',
      },
      {
        channel: 'email',
        to: { userId: 'gina.global', email: 'gina@example.com' },
        mode: 'immediate',
      },
    ]);
    expect(routing.unreachable).toEqual([]);
  });

  it('sends everything bound for production to one Slack channel, once', () => {
    const url = 'https://hooks.slack.com/services/T000/B000/XXXX';
    const slackRules = rules(
      { events: '*', toState: 'production', channel: 'slack', url },
      { events: ['gate.failed'], channel: 'slack', url },
    );
    expect(
      routeEvent({ rules: slackRules, event: sample('gate.failed'), people }).deliveries,
    ).toEqual([{ channel: 'slack', url }]);
    // A canary runs only for a production promotion: its events are bound for production.
    for (const type of ['rollout.started', 'rollout.rolled_back'] as const) {
      expect(
        routeEvent({ rules: slackRules.slice(0, 1), event: sample(type), people }).deliveries,
      ).toEqual([{ channel: 'slack', url }]);
    }
    const staging = rules({ events: '*', toState: 'staging', channel: 'slack', url });
    expect(
      routeEvent({ rules: staging, event: sample('rollout.rolled_back'), people }).deliveries,
    ).toEqual([]);
    // Events about no transition (a signed checkpoint) match no toState rule.
    expect(
      routeEvent({
        rules: slackRules.slice(0, 1),
        event: sample('audit.checkpoint_signed'),
        people,
      }).deliveries,
    ).toEqual([]);
  });

  it('emails the holders of the awaited roles, and names those without an address', () => {
    const routing = routeEvent({
      rules: rules({ events: ['approval.requested'], awaitingRoles: true, channel: 'email' }),
      event: sample('approval.requested'),
      people,
    });
    expect(routing.deliveries.map((d) => d.channel === 'email' && d.to.userId)).toEqual([
      'rita.risk',
      'gina.global',
    ]);
    expect(routing.unreachable).toEqual(['tom.lead']);
  });

  it('sends one email per person per event, immediate winning over digest', () => {
    const routing = routeEvent({
      rules: rules(
        { events: '*', roles: ['risk_officer'], channel: 'email', digest: true },
        { events: ['review.overdue'], users: ['rita.risk', 'ada.admin'], channel: 'email' },
      ),
      event: sample('review.overdue'),
      people,
    });
    expect(routing.deliveries.map((d) => d.channel === 'email' && [d.to.userId, d.mode])).toEqual([
      ['rita.risk', 'immediate'],
      ['gina.global', 'digest'],
      ['ada.admin', 'immediate'],
    ]);
  });

  it('gives a model-less event only to global role holders', () => {
    const routing = routeEvent({
      rules: rules({
        events: ['audit.checkpoint_signed'],
        roles: ['risk_officer'],
        channel: 'email',
      }),
      event: sample('audit.checkpoint_signed'),
      people,
    });
    expect(routing.deliveries.map((d) => d.channel === 'email' && d.to.userId)).toEqual([
      'gina.global',
    ]);
  });

  it('refuses rules that cannot deliver', () => {
    expect(routingRuleSchema.safeParse({ events: '*', channel: 'email' }).success).toBe(false);
    expect(routingRuleSchema.safeParse({ events: '*', channel: 'slack' }).success).toBe(false);
    expect(
      routingRuleSchema.safeParse({ events: ['nope'], channel: 'slack', url: 'https://x.example' })
        .success,
    ).toBe(false);
    expect(
      routingRuleSchema.safeParse({
        events: '*',
        channel: 'slack',
        url: 'https://x.example',
        roles: ['admin'],
      }).success,
    ).toBe(false);
  });

  it('matches model patterns with * as any run of characters', () => {
    expect(matchesNamePattern('credit-risk-*', 'credit-risk-scorer')).toBe(true);
    expect(matchesNamePattern('credit-risk-*', 'credit-risk')).toBe(false);
    expect(matchesNamePattern('*-scorer', 'credit-risk-scorer')).toBe(true);
    expect(matchesNamePattern('c*r*r', 'credit-risk-scorer')).toBe(true);
    expect(matchesNamePattern('a*a', 'a')).toBe(false);
    expect(matchesNamePattern('*', '')).toBe(true);
    expect(matchesNamePattern('exact', 'exact')).toBe(true);
    expect(matchesNamePattern('exact', 'exactly')).toBe(false);
    expect(matchesNamePattern('a.b', 'axb')).toBe(false);
  });

  it('matches exactly what an anchored regex of the pattern matches', () => {
    const piece = fc.constantFrom('a', 'b', '-', '.', '*');
    fc.assert(
      fc.property(
        fc.array(piece, { maxLength: 8 }),
        fc.array(fc.constantFrom('a', 'b', '-', '.'), { maxLength: 10 }),
        (p, n) => {
          const pattern = p.join('');
          const name = n.join('');
          const oracle = new RegExp(
            `^${pattern
              .split('*')
              .map((part) => part.replace(/[.\\-]/g, '\\$&'))
              .join('.*')}$`,
          );
          expect(matchesNamePattern(pattern, name)).toBe(oracle.test(name));
        },
      ),
      { numRuns: 2000 },
    );
  });
});

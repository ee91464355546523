import { describe, expect, it } from 'vitest';
import { sampleEvents, sampleRequest } from '../../test/notify/sample-events.js';
import {
  buildNotificationEvent,
  notificationEventJsonSchema,
  notificationEventTypes,
  parseNotificationEvent,
} from './notification-events.js';
import { absoluteLink, eventLinks } from './notification-links.js';

describe('notification events', () => {
  it('has a sample of every type, each valid under the contract', () => {
    expect(sampleEvents.map((event) => event.type)).toEqual(notificationEventTypes);
    for (const event of sampleEvents) {
      expect(parseNotificationEvent(JSON.parse(JSON.stringify(event)))).toEqual({
        ok: true,
        event,
      });
    }
  });

  it('names the eighteen types of the catalogue', () => {
    expect(notificationEventTypes).toHaveLength(18);
    expect(notificationEventTypes).toContain('approval.requested');
    expect(notificationEventTypes).toContain('audit.checkpoint_signed');
  });

  it('links a rollout event to its rollout, version and model, and opens the rollout', () => {
    const rolledBack = sampleEvents.find((event) => event.type === 'rollout.rolled_back');
    expect(rolledBack?.subject.links).toEqual({
      api: '/api/v1/rollouts/ro_01JROLL',
      model: '/api/v1/models/credit-risk-scorer',
      version: '/api/v1/models/credit-risk-scorer/versions/7',
      rollout: '/api/v1/rollouts/ro_01JROLL',
    });
  });

  it('links a request event to the request, model, version and decision in the API', () => {
    const gate = sampleEvents.find((event) => event.type === 'gate.failed');
    expect(gate?.subject.links).toEqual({
      api: '/api/v1/requests/req_01JEXAMPLE',
      model: '/api/v1/models/credit-risk-scorer',
      version: '/api/v1/models/credit-risk-scorer/versions/7',
      request: '/api/v1/requests/req_01JEXAMPLE',
      decision: '/api/v1/decisions/dec_01JDEC',
    });
  });

  it('escapes path segments and joins them under a public URL with a path', () => {
    expect(eventLinks({ model: 'a b/c' }).api).toBe('/api/v1/models/a%20b%2Fc');
    expect(absoluteLink('https://ops.example/clearance/', '/api/v1/models/m')).toBe(
      'https://ops.example/clearance/api/v1/models/m',
    );
  });

  it('refuses to build an event whose data breaks the contract', () => {
    expect(() =>
      buildNotificationEvent({
        type: 'review.due',
        id: 'evt_x',
        occurredAt: '2026-12-04T09:30:00.000Z',
        subject: { model: 'm' },
        // @ts-expect-error: the wrong data for the type, as a buggy producer would send it
        data: { request: sampleRequest },
      }),
    ).toThrow(/review\.due breaks its contract/);
  });

  it('reports every problem of an unknown or malformed event', () => {
    const [first] = sampleEvents;
    const result = parseNotificationEvent({ ...first, version: 2, occurredAt: 'yesterday' });
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.problems.join('\n')).toMatch(/version/);
      expect(result.problems.join('\n')).toMatch(/occurredAt/);
    }
    expect(parseNotificationEvent({ type: 'model.deleted' }).ok).toBe(false);
    expect(parseNotificationEvent('not an object').ok).toBe(false);
  });

  it('publishes the contract as JSON Schema with one branch per type', () => {
    const schema = notificationEventJsonSchema();
    const branches = (schema.oneOf ?? schema.anyOf) as {
      properties: { type: { const: string } };
    }[];
    expect(branches.map((branch) => branch.properties.type.const)).toEqual(notificationEventTypes);
  });
});

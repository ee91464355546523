/** One event of every type, as the docs show them; tests render and route these. */
import {
  buildNotificationEvent,
  type NotificationEvent,
  type RequestSummary,
} from '../../src/domain/index.js';

const at = '2026-12-04T09:30:00.000Z';

export const sampleRequest: RequestSummary = {
  id: 'req_01JEXAMPLE',
  model: 'credit-risk-scorer',
  version: '7',
  from: 'staging',
  to: 'production',
  changeType: 'standard',
  reason: 'Quarterly retrain on November data',
  ticket: 'RISK-1234',
  requestedBy: 'olga.owner',
  requestedAt: '2026-12-04T09:29:58.120Z',
};

const emergency: RequestSummary = {
  ...sampleRequest,
  id: 'req_01JEMERG',
  changeType: 'emergency',
  reason: 'Score drift after upstream schema change',
};
const onRequest = (request: RequestSummary) => ({
  model: request.model,
  version: request.version,
  requestId: request.id,
});
const rollout = { id: 'ro_01JROLL', model: 'credit-risk-scorer', version: '7', traffic: 0.1 };
const onRollout = { model: 'credit-risk-scorer', version: '7', rolloutId: 'ro_01JROLL' };

export const sampleEvents: NotificationEvent[] = [
  buildNotificationEvent({
    type: 'approval.requested',
    id: 'evt_01JAPPROVALREQ',
    occurredAt: at,
    subject: onRequest(sampleRequest),
    data: {
      request: sampleRequest,
      awaiting: [
        {
          role: 'risk_officer',
          needed: 1,
          holders: [{ userId: 'rita.risk', displayName: 'Rita Risk' }],
        },
        { role: 'tech_lead', needed: 1, holders: [{ userId: 'tom.lead' }] },
      ],
    },
  }),
  buildNotificationEvent({
    type: 'approval.recorded',
    id: 'evt_01JAPPROVALREC',
    occurredAt: at,
    subject: onRequest(sampleRequest),
    data: {
      request: sampleRequest,
      approval: {
        id: 'apr_01JA',
        approver: 'rita.risk',
        role: 'risk_officer',
        decision: 'approve',
        comment: 'AUC and fairness gates fine',
        at,
      },
      stillNeeded: [{ role: 'tech_lead', needed: 1 }],
    },
  }),
  buildNotificationEvent({
    type: 'gate.failed',
    id: 'evt_01JGATEFAILED',
    occurredAt: at,
    subject: { ...onRequest(sampleRequest), decisionId: 'dec_01JDEC' },
    data: {
      model: 'credit-risk-scorer',
      version: '7',
      from: 'staging',
      to: 'production',
      requestId: sampleRequest.id,
      decisionId: 'dec_01JDEC',
      failed: [
        {
          gateId: 'auc-floor',
          outcome: 'fail',
          explanation: 'AUC 0.71 is below the floor of 0.75',
        },
      ],
    },
  }),
  buildNotificationEvent({
    type: 'transition.executed',
    id: 'evt_01JEXECUTED',
    occurredAt: at,
    subject: { ...onRequest(sampleRequest), decisionId: 'dec_01JDEC2' },
    data: { request: sampleRequest, executedBy: 'olga.owner', decisionId: 'dec_01JDEC2' },
  }),
  buildNotificationEvent({
    type: 'transition.rejected',
    id: 'evt_01JREJECTED',
    occurredAt: at,
    subject: onRequest(sampleRequest),
    data: {
      request: sampleRequest,
      rejectedBy: 'rita.risk',
      reason: 'Fairness evidence is from the old data set',
    },
  }),
  buildNotificationEvent({
    type: 'transition.blocked',
    id: 'evt_01JBLOCKED',
    occurredAt: at,
    subject: { ...onRequest(sampleRequest), decisionId: 'dec_01JDEC3' },
    data: {
      request: sampleRequest,
      decisionId: 'dec_01JDEC3',
      reasons: ['Gate auc-floor failed', 'Approval by tech_lead missing'],
    },
  }),
  buildNotificationEvent({
    type: 'transition.expired',
    id: 'evt_01JEXPIRED',
    occurredAt: at,
    subject: onRequest(sampleRequest),
    data: {
      request: sampleRequest,
      previousStatus: 'pending',
      expiredAt: at,
      lifetime: '14d',
    },
  }),
  buildNotificationEvent({
    type: 'emergency.bypassed',
    id: 'evt_01JBYPASS',
    occurredAt: at,
    subject: onRequest(emergency),
    data: {
      request: emergency,
      bypassedGates: ['fairness-gap', 'latency-p95'],
      bypassExpiresAt: '2026-12-05T09:30:00.000Z',
      reviewDueAt: '2026-12-07T09:30:00.000Z',
    },
  }),
  buildNotificationEvent({
    type: 'review.due',
    id: 'evt_01JREVIEWDUE',
    occurredAt: at,
    subject: onRequest(emergency),
    data: { request: emergency, reviewDueAt: '2026-12-07T09:30:00.000Z' },
  }),
  buildNotificationEvent({
    type: 'review.overdue',
    id: 'evt_01JREVIEWLATE',
    occurredAt: at,
    subject: onRequest(emergency),
    data: {
      request: emergency,
      reviewDueAt: '2026-12-07T09:30:00.000Z',
      awaiting: [
        {
          role: 'risk_officer',
          needed: 1,
          holders: [{ userId: 'rita.risk', displayName: 'Rita Risk' }],
        },
      ],
    },
  }),
  buildNotificationEvent({
    type: 'review.rejected',
    id: 'evt_01JREVIEWREJ',
    occurredAt: at,
    subject: onRequest(emergency),
    data: {
      request: emergency,
      review: {
        approvalId: 'apr_01JREV',
        reviewer: 'rita.risk',
        role: 'risk_officer',
        findings: 'The bypassed fairness gate would have failed; no rollback plan was followed',
        ticket: 'RISK-1301',
        at,
      },
      stillServing: true,
    },
  }),
  buildNotificationEvent({
    type: 'rollback.executed',
    id: 'evt_01JROLLEDBACK',
    occurredAt: at,
    subject: onRequest(emergency),
    data: {
      model: 'credit-risk-scorer',
      version: '7',
      restoredVersion: '6',
      toState: 'deprecated',
      trigger: 'emergency.expired',
      reason:
        'Emergency bypass of request req_01JEMERG expired without passing the standard path: Needs 1 more compliance_officer approval(s).',
      rolledBackBy: 'system:expire-emergencies',
      request: emergency,
    },
  }),
  buildNotificationEvent({
    type: 'rollout.started',
    id: 'evt_01JROLLSTART',
    occurredAt: at,
    subject: onRollout,
    data: { rollout, baselineVersion: '6' },
  }),
  buildNotificationEvent({
    type: 'rollout.paused',
    id: 'evt_01JROLLPAUSE',
    occurredAt: at,
    subject: onRollout,
    data: {
      rollout,
      reason: 'Window 3 was inconclusive: 212 of 500 samples on the candidate',
      trigger: 'approval-rate',
    },
  }),
  buildNotificationEvent({
    type: 'rollout.rolled_back',
    id: 'evt_01JROLLBACK',
    occurredAt: at,
    subject: onRollout,
    data: {
      rollout,
      reason: 'p95 latency breached 250 ms in 3 of 3 windows.',
      trigger: 'latency-p95',
      restoredVersion: '6',
    },
  }),
  buildNotificationEvent({
    type: 'rollout.completed',
    id: 'evt_01JROLLDONE',
    occurredAt: at,
    subject: onRollout,
    data: { rollout: { ...rollout, traffic: 1 } },
  }),
  buildNotificationEvent({
    type: 'audit.checkpoint_signed',
    id: 'evt_01JCHECKPOINT',
    occurredAt: at,
    subject: {},
    data: {
      origin: 'clearance/example',
      size: 4096,
      rootHash: 'n3ZHV0cvM2lh5qKpCWDlUfF+4YkN6c7GxJ7g8cZlWqI=',
      signedAt: at,
    },
  }),
  buildNotificationEvent({
    type: 'webhook.disabled',
    id: 'evt_01JWEBHOOKOFF',
    occurredAt: at,
    subject: { webhookId: 'wh_01JHOOK' },
    data: {
      subscriptionId: 'wh_01JHOOK',
      url: 'https://hooks.example.com/clearance',
      consecutiveFailures: 5,
      reason: '5 deliveries in a row failed; the last: HTTP 503; gave up at the retry deadline',
    },
  }),
];

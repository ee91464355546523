import { describe, expect, it } from 'vitest';
import type { Model, Version } from '../../api/types';
import { type BoardRow, filterBoard, stagesOf } from './load-board';

const model = (name: string, ownerTeam: string, riskTier: Model['riskTier']): Model => ({
  name,
  ownerTeam,
  riskTier,
  policyDigest: 'sha256:p',
  createdAt: '2026-12-01T00:00:00Z',
  createdBy: 'alice',
});
const version = (v: string, state: string): Version => ({
  model: 'm',
  version: v,
  artifactUri: 's3://m',
  artifactDigest: 'sha256:a',
  lineage: {},
  createdAt: '2026-12-01T00:00:00Z',
  createdBy: 'alice',
  state,
  stateSince: '2026-12-01T00:00:00Z',
});
const row = (m: Model, waiting: string[] = []): BoardRow => ({
  model: m,
  versions: [],
  serving: {},
  open: waiting.length
    ? [
        {
          request: {
            id: 'r',
            model: m.name,
            version: '1',
            from: 'staging',
            to: 'production',
            changeType: 'standard',
            status: 'pending',
            reason: 'better recall',
            requestedBy: 'alice',
            requestedAt: '2026-12-01T00:00:00Z',
            policyDigest: 'sha256:p',
            evidenceDigest: 'sha256:e',
          },
          failedGates: [],
          waitingForMe: waiting,
        },
      ]
    : [],
  overdueReviews: 0,
});

describe('filterBoard', () => {
  const rows = [
    row(model('credit', 'credit', 'regulated'), ['risk_officer']),
    row(model('recs', 'growth', 'medium')),
    row(model('xray', 'radiology', 'safety-critical')),
  ];
  it('keeps every row without a filter, and filters by team, tier and waiting-for-me', () => {
    expect(filterBoard(rows, { waitingForMe: false })).toHaveLength(3);
    expect(
      filterBoard(rows, { team: 'growth', waitingForMe: false }).map((r) => r.model.name),
    ).toEqual(['recs']);
    expect(
      filterBoard(rows, { tier: 'safety-critical', waitingForMe: false }).map((r) => r.model.name),
    ).toEqual(['xray']);
    expect(filterBoard(rows, { waitingForMe: true }).map((r) => r.model.name)).toEqual(['credit']);
    expect(filterBoard(rows, { team: 'growth', waitingForMe: true })).toEqual([]);
  });
});

describe('stagesOf', () => {
  it('lists the default pipeline, then states a policy adds, in first-seen order', () => {
    expect(stagesOf([version('1', 'production')])).toEqual([
      'draft',
      'staging',
      'production',
      'deprecated',
      'archived',
    ]);
    expect(
      stagesOf([version('1', 'shadow'), version('2', 'qa'), version('3', 'shadow')]).slice(5),
    ).toEqual(['shadow', 'qa']);
  });
});

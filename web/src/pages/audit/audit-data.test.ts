import { describe, expect, it } from 'vitest';
import { type EntryView, entryModel, filterEntries, noFilter } from './audit-data';

const entry = (seq: number, over: Partial<EntryView>): EntryView => ({
  seq,
  time: '2026-12-01T10:00:00.000Z',
  actor: { id: 'rita.risk', kind: 'user' },
  action: 'approval.recorded',
  subject: { type: 'version', id: 'credit-risk-pd@2026.2' },
  digests: {},
  data: {},
  ...over,
});

const log = [
  entry(0, {}),
  entry(1, {
    action: 'rollout.window_decided',
    subject: { type: 'rollout', id: 'r1' },
    data: { model: 'home-feed' },
  }),
  entry(2, { actor: { id: 'ci.pipeline', kind: 'token' }, time: '2026-12-03T08:00:00.000Z' }),
  entry(3, { action: 'token.created', subject: { type: 'token', id: 't1' } }),
];

describe('audit explorer filters', () => {
  it('finds the model of versions, rollouts and models; none for tokens', () => {
    expect(log.map(entryModel)).toEqual([
      'credit-risk-pd',
      'home-feed',
      'credit-risk-pd',
      undefined,
    ]);
  });

  it('filters by model, actor, action and UTC day, all at once', () => {
    const seqs = (f: Partial<typeof noFilter>) =>
      filterEntries(log, { ...noFilter, ...f }).map((e) => e.seq);
    expect(seqs({})).toEqual([0, 1, 2, 3]);
    expect(seqs({ model: 'credit-risk-pd' })).toEqual([0, 2]);
    expect(seqs({ actor: 'CI.' })).toEqual([2]);
    expect(seqs({ action: 'rollout' })).toEqual([1]);
    expect(seqs({ from: '2026-12-02' })).toEqual([2]);
    expect(seqs({ to: '2026-12-02', model: 'credit-risk-pd' })).toEqual([0]);
  });
});

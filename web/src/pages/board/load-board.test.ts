import { describe, expect, it } from 'vitest';
import { stagesOf } from './load-board';

describe('stagesOf', () => {
  it('lists the default pipeline, then states a policy adds, in first-seen order', () => {
    expect(stagesOf([{ state: 'production' }])).toEqual([
      'draft',
      'staging',
      'production',
      'deprecated',
      'archived',
    ]);
    expect(stagesOf([{ state: 'shadow' }, { state: 'qa' }, { state: 'shadow' }]).slice(5)).toEqual([
      'shadow',
      'qa',
    ]);
  });
});

import { describe, expect, it } from 'vitest';
import { entryPageSize, entryQuery, noFilter } from './audit-data';

describe('audit explorer query', () => {
  it('sends only the filters given, trimmed, newest first', () => {
    expect(entryQuery(noFilter)).toEqual({ before: Number.MAX_SAFE_INTEGER, limit: entryPageSize });
    expect(entryQuery({ ...noFilter, model: ' credit ', actor: 'ci', action: 'a.b' }, 7)).toEqual({
      before: 7,
      limit: entryPageSize,
      model: 'credit',
      actor: 'ci',
      action: 'a.b',
    });
  });

  it('turns UTC days into an instant range, the last day included', () => {
    const q = entryQuery({ ...noFilter, from: '2026-12-01', to: '2026-12-31' });
    expect(q).toMatchObject({
      since: '2026-12-01T00:00:00.000Z',
      until: '2027-01-01T00:00:00.000Z',
    });
    expect(entryQuery({ ...noFilter, from: '2026-1' })).not.toHaveProperty('since');
  });
});

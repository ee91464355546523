import { describe, expect, it } from 'vitest';
import { entryModel } from './entry-model.js';

describe('entryModel', () => {
  it('reads data.model first, then a model or version subject, else none', () => {
    const about = (type: string, id: string, data: Record<string, unknown> = {}) =>
      entryModel({ subject: { type, id }, data });
    expect(about('request', 'r1', { model: 'credit' })).toBe('credit');
    expect(about('model', 'credit')).toBe('credit');
    expect(about('version', 'credit@2026.1')).toBe('credit');
    expect(about('version', 'a@b@3')).toBe('a@b');
    expect(about('version', '@1')).toBeUndefined();
    expect(about('user', 'alice')).toBeUndefined();
    expect(about('model', 'credit', { model: 42 })).toBe('credit');
  });
});

import { describe, expect, it } from 'vitest';
import { buildPath, matchPath } from './match-path';

describe('matchPath', () => {
  it('matches literal paths and ignores a trailing slash', () => {
    expect(matchPath('/audit', '/audit')).toEqual({});
    expect(matchPath('/audit', '/audit/')).toEqual({});
    expect(matchPath('/', '/')).toEqual({});
  });

  it('extracts and decodes parameters', () => {
    expect(
      matchPath('/models/:name/versions/:version', '/models/credit%20risk/versions/1.2'),
    ).toEqual({ name: 'credit risk', version: '1.2' });
  });

  it('refuses other shapes, empty and malformed parameters', () => {
    expect(matchPath('/rollouts/:id', '/rollouts')).toBeUndefined();
    expect(matchPath('/rollouts/:id', '/rollouts/a/b')).toBeUndefined();
    expect(matchPath('/models/:name/policy', '/models/x/history')).toBeUndefined();
    expect(matchPath('/rollouts/:id', '/rollouts/%E0%A4%A')).toBeUndefined();
  });
});

describe('buildPath', () => {
  it('encodes parameters so matchPath gives them back', () => {
    const path = buildPath('/models/:name/versions/:version', { name: 'a/b c', version: 'v1' });
    expect(path).toBe('/models/a%2Fb%20c/versions/v1');
    expect(matchPath('/models/:name/versions/:version', path)).toEqual({
      name: 'a/b c',
      version: 'v1',
    });
  });

  it('throws on a missing parameter', () => {
    expect(() => buildPath('/rollouts/:id')).toThrow(/:id/);
  });
});

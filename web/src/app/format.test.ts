import { describe, expect, it } from 'vitest';
import {
  formatAge,
  formatBytes,
  formatObserved,
  formatTime,
  roleName,
  shortDigest,
} from './format';

describe('format', () => {
  it('writes times in UTC to the minute', () => {
    expect(formatTime('2026-12-05T04:37:14.087Z')).toBe('2026-12-05 04:37 UTC');
    expect(formatTime(undefined)).toBe('—');
    expect(formatTime('not a date')).toBe('not a date');
  });

  it('says ages in the largest whole unit, past and future', () => {
    const now = new Date('2026-12-05T12:00:00Z');
    expect(formatAge('2026-12-05T11:59:40Z', now)).toBe('just now');
    expect(formatAge('2026-12-05T11:55:00Z', now)).toBe('5 minutes ago');
    expect(formatAge('2026-12-05T11:00:00Z', now)).toBe('1 hour ago');
    expect(formatAge('2026-12-02T12:00:00Z', now)).toBe('3 days ago');
    expect(formatAge('2026-12-07T12:00:00Z', now)).toBe('in 2 days');
  });

  it('shortens digests but keeps short ones whole', () => {
    expect(shortDigest(`sha256:${'ab'.repeat(32)}`)).toBe('sha256:abababab…ababab');
    expect(shortDigest('sha256:abc')).toBe('sha256:abc');
  });

  it('formats observed values, bytes and role names', () => {
    expect(formatObserved(0.6511194435698544)).toBe('0.6511');
    expect(formatObserved(0.5)).toBe('0.5');
    expect(formatObserved(42)).toBe('42');
    expect(formatObserved('4 of 4 fields valid')).toBe('4 of 4 fields valid');
    expect(formatObserved(null)).toBe('—');
    expect(formatBytes(307)).toBe('307 B');
    expect(formatBytes(168108)).toBe('164 KB');
    expect(formatBytes(3 * 1024 * 1024)).toBe('3.0 MB');
    expect(roleName('risk_officer')).toBe('risk officer');
  });
});

import { describe, expect, it } from 'vitest';
import {
  describeBound,
  describeChange,
  formatDate,
  formatDuration,
  formatNumber,
  formatPercent,
  formatRelative,
  shortDigest,
} from './format.js';

describe('numbers for people', () => {
  it('rounds to significant digits and drops float noise', () => {
    expect(formatNumber(0.1 + 0.2)).toBe('0.3');
    expect(formatNumber(0.83456)).toBe('0.835');
    expect(formatNumber(1234.5, 4)).toBe('1235');
    expect(formatNumber(-0.000012345)).toBe('-0.0000123');
    expect(formatNumber(0)).toBe('0');
    expect(formatNumber(12_345_678)).toBe('1.23e+7');
    expect(formatNumber(Number.NaN)).toBe('not a number');
    expect(formatPercent(0.05234)).toBe('5.23%');
  });

  it('says the direction of a change in words', () => {
    expect(describeChange('FPR', 0.041, 0.044)).toBe('FPR rose by 0.003');
    expect(describeChange('AUC', 0.812, 0.8)).toBe('AUC fell by 0.012');
    expect(describeChange('AUC', 0.8, 0.8)).toBe('AUC did not change');
    expect(describeChange('p95 latency', 120, 180)).toBe('p95 latency rose by 60');
  });

  it('compares with a limit in words', () => {
    expect(describeBound(0.81, '>=', 0.8)).toBe('0.81 is at least the limit 0.8');
    expect(describeBound(0.79, '>=', 0.8)).toBe('0.79 is below the limit 0.8');
    expect(describeBound(130, '<=', 120)).toBe('130 is above the limit 120');
  });
});

describe('dates, durations and digests', () => {
  it('writes UTC dates whatever the locale', () => {
    expect(formatDate('2026-12-05T04:30:59.000Z')).toBe('5 Dec 2026, 04:30 UTC');
    expect(formatDate('not a date')).toBe('not a date');
  });

  it('writes relative times', () => {
    const now = new Date('2026-12-05T12:00:00Z');
    expect(formatRelative('2026-12-05T11:59:40Z', now)).toBe('just now');
    expect(formatRelative('2026-12-05T11:55:00Z', now)).toBe('5 min ago');
    expect(formatRelative('2026-12-05T15:00:00Z', now)).toBe('in 3 h');
    expect(formatRelative('2026-12-01T12:00:00Z', now)).toBe('4 days ago');
  });

  it('writes durations', () => {
    expect(formatDuration(45)).toBe('45 s');
    expect(formatDuration(900)).toBe('15 min');
    expect(formatDuration(9000)).toBe('2 h 30 min');
    expect(formatDuration(7200)).toBe('2 h');
  });

  it('shortens digests and leaves other text alone', () => {
    expect(shortDigest(`sha256:${'9f86d081884c7d65'.repeat(4)}`)).toBe('sha256:9f86d081884c…');
    expect(shortDigest('sha256:abc')).toBe('sha256:abc');
    expect(shortDigest('credit-risk-pd@7')).toBe('credit-risk-pd@7');
  });
});

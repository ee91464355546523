import { describe, expect, it } from 'vitest';
import {
  formatAgainst,
  formatCount,
  formatList,
  formatNumber,
  formatSigned,
  metricLabel,
} from './format.js';
import { boundsPhrase } from './result.js';

describe('format', () => {
  it('uses three decimals, thousands separators and a real minus sign', () => {
    expect(formatNumber(0.96234)).toBe('0.962');
    expect(formatNumber(2000)).toBe('2,000');
    expect(formatNumber(-0.002)).toBe('−0.002');
    expect(formatNumber(0.00012345)).toBe('0.000123');
    expect(formatNumber(-7.3e-9)).toBe('−7.3e−9');
    expect(formatNumber(Number.NaN)).toBe('undefined');
    expect(formatSigned(0.006)).toBe('+0.006');
    expect(formatSigned(1.1e-16)).toBe('0');
    expect(formatCount(1, 'row')).toBe('1 row');
    expect(formatCount(12345, 'row')).toBe('12,345 rows');
  });

  it('names metrics and lists as prose', () => {
    expect(metricLabel('auc')).toBe('AUC');
    expect(metricLabel('selection_rate')).toBe('Selection rate');
    expect(metricLabel('ctr_mobile')).toBe('CTR mobile');
    expect(formatList(['a', 'b', 'c'])).toBe('a, b and c');
  });

  it('shows a value below 0.001 with three significant digits, as the docs say', () => {
    expect(formatSigned(0.000471)).toBe('+0.000471');
  });

  it('keeps a figure and its bound the usual style when the comparison is visible', () => {
    expect(formatAgainst(0.96234, 0.75)).toEqual({ value: '0.962', bound: '0.75' });
    expect(formatAgainst(0.75, 0.75)).toEqual({ value: '0.75', bound: '0.75' });
  });

  it('adds decimals until the shown figures compare as the real ones do', () => {
    // Issue 7: "−0.00247 vs 0.002456" was shown as "−0.002 … beyond the allowed 0.002".
    expect(formatAgainst(-0.00247, -0.002456)).toEqual({ value: '−0.00247', bound: '−0.00246' });
    expect(formatAgainst(0.74996, 0.75)).toEqual({ value: '0.74996', bound: '0.75' });
    expect(formatAgainst(120.0004, 120)).toEqual({ value: '120.0004', bound: '120' });
    expect(formatAgainst(2000.0001, 2000)).toEqual({ value: '2,000.0001', bound: '2,000' });
  });

  it('words a bound so the value is visibly on the side it is on', () => {
    expect(boundsPhrase(0.74996, { min: 0.75 })).toEqual({
      value: '0.74996',
      phrase: 'below the required minimum of 0.75',
    });
    expect(boundsPhrase(0.7501, { min: 0.75 })).toEqual({
      value: '0.7501',
      phrase: 'at or above the required 0.75',
    });
    expect(boundsPhrase(120.2, { max: 120 })).toEqual({
      value: '120.2',
      phrase: 'above the allowed maximum of 120',
    });
  });
});

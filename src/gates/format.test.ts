import { describe, expect, it } from 'vitest';
import { formatCount, formatList, formatNumber, formatSigned, metricLabel } from './format.js';

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
});

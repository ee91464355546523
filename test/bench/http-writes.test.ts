/** The writes bench's settings (bench/http-writes.ts): the cell spread over models and the engines. */
import { describe, expect, it } from 'vitest';
import { spreadClients, writeEngines } from '../../bench/http-writes.js';

describe('the writes bench settings', () => {
  it('spreads 16 clients over 16 models unless told otherwise', () => {
    expect(spreadClients(undefined)).toBe(16);
    expect(spreadClients(' ')).toBe(16);
    expect(spreadClients('32')).toBe(32);
    expect(spreadClients('0')).toBeUndefined();
  });

  it('refuses a spread that is not a whole number of clients', () => {
    expect(() => spreadClients('many')).toThrow(/BENCH_WRITE_SPREAD: "many"/);
    expect(() => spreadClients('-4')).toThrow(/not a whole number/);
    expect(() => spreadClients('2.5')).toThrow(/not a whole number/);
  });

  it('runs the engines named, both when none is', () => {
    expect(writeEngines(undefined)).toEqual(['sqlite', 'postgres']);
    expect(writeEngines('postgres')).toEqual(['postgres']);
    expect(() => writeEngines('mysql')).toThrow(/neither sqlite nor postgres/);
  });
});

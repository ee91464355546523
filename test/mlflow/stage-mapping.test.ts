/** Where MLflow stages land under a policy's states, and which Production version is the baseline. */
import { describe, expect, it } from 'vitest';
import type { MlflowSourceVersion as MlflowModelVersion } from '../../src/app/index.js';
import {
  baselineOf,
  compareVersionNumbers,
  stateForStage,
} from '../../src/app/mlflow/import/stage-mapping.js';

const defaults = ['draft', 'staging', 'production', 'deprecated', 'archived'];

const version = (v: string, stage: string, status = 'READY'): MlflowModelVersion => ({
  name: 'm',
  version: v,
  current_stage: stage,
  source: `models:/m/${v}`,
  status,
  tags: [],
  aliases: [],
});

describe('stateForStage', () => {
  it('maps the four stages onto the default states', () => {
    expect(
      ['None', 'Staging', 'Production', 'Archived'].map((s) => stateForStage(s, defaults)),
    ).toStrictEqual(['draft', 'staging', 'deprecated', 'archived']);
  });

  it("falls back to a policy's own states when it lacks staging, archived or deprecated", () => {
    const states = ['dev', 'prod', 'deprecated'];
    expect(stateForStage('Staging', states)).toBe('dev');
    expect(stateForStage('Archived', states)).toBe('deprecated');
    expect(stateForStage('Production', ['dev', 'prod'])).toBe('dev');
    expect(stateForStage('Unknown', states)).toBe('dev');
  });
});

describe('baselineOf', () => {
  it('takes the newest READY Production version, numerically', () => {
    const versions = [
      version('9', 'Production'),
      version('10', 'Production'),
      version('11', 'Production', 'PENDING_REGISTRATION'),
      version('12', 'Staging'),
    ];
    expect(baselineOf(versions)).toBe('10');
    expect(baselineOf([version('1', 'None')])).toBeUndefined();
  });

  it('takes the READY version holding the production alias first, when asked', () => {
    const champion = { ...version('3', 'None'), aliases: ['champion'] };
    const versions = [version('4', 'Production'), champion];
    expect(baselineOf(versions, 'champion')).toBe('3');
    expect(baselineOf(versions)).toBe('4');
    expect(baselineOf(versions, 'production')).toBe('4');
    expect(
      baselineOf([{ ...champion, status: 'FAILED_REGISTRATION' }], 'champion'),
    ).toBeUndefined();
  });

  it('orders numbers as numbers and other names as text', () => {
    expect(['10', '9', '1'].sort(compareVersionNumbers)).toStrictEqual(['1', '9', '10']);
    expect(compareVersionNumbers('b', 'a')).toBeGreaterThan(0);
  });
});

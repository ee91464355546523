import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkPromqlTemplate, fillPromqlTemplate } from './promql-template.js';

const values = { model: 'recs', version: '7', arm: 'candidate', series: 'ctr', stepSeconds: 60 };

/** Reads back the PromQL string literal starting at `at` (Go escapes), as Prometheus' lexer does. */
function readString(query: string, at: number): { value: string; end: number } {
  const quote = query[at];
  let value = '';
  for (let i = at + 1; i < query.length; i++) {
    const ch = query[i]!;
    if (ch === quote) return { value, end: i };
    if (ch === '\\') {
      const next = query[++i]!;
      value += next === 'n' ? '\n' : next === 'r' ? '\r' : next;
    } else value += ch;
  }
  throw new Error(`unterminated string in ${query}`);
}

describe('PromQL templates', () => {
  it('fills label values inside strings and the step as seconds', () => {
    expect(
      fillPromqlTemplate(
        'sum(increase(clicks_total{model="{model}",version=\'{version}\',arm="{arm}"}[{step}]))',
        values,
      ),
    ).toBe('sum(increase(clicks_total{model="recs",version=\'7\',arm="candidate"}[60s]))');
  });

  it('escapes quotes and backslashes, and regex metacharacters after =~', () => {
    const filled = fillPromqlTemplate('x{v="{version}",w=~"{version}|other"}', {
      ...values,
      version: '1.2"} or vector(1) #\\',
    });
    expect(filled).toBe(
      'x{v="1.2\\"} or vector(1) #\\\\",w=~"1\\\\.2\\"\\\\} or vector\\\\(1\\\\) #\\\\\\\\|other"}',
    );
  });

  it('never lets a label value leave its string (property)', () => {
    fc.assert(
      fc.property(fc.string(), (version) => {
        const filled = fillPromqlTemplate('up{version="{version}"} + 1', { ...values, version });
        const start = filled.indexOf('"');
        const read = readString(filled, start);
        expect(read.value).toBe(version);
        expect(filled.slice(read.end)).toBe('"} + 1');
      }),
    );
  });

  it('refuses label placeholders outside strings, the step inside one, and unknown names', () => {
    expect(checkPromqlTemplate('up{version="{version}"}')).toEqual({ ok: true });
    expect(checkPromqlTemplate('up{version={version}}')).toMatchObject({
      ok: false,
      reason: 'uses {version} outside a quoted string',
    });
    expect(checkPromqlTemplate('up{version=`{version}`}')).toMatchObject({ ok: false });
    expect(checkPromqlTemplate('up{w="{step}"}')).toMatchObject({
      ok: false,
      reason: 'uses {step} inside a string',
    });
    expect(checkPromqlTemplate('up{v="{verison}"}')).toMatchObject({
      ok: false,
      reason: 'has an unknown placeholder {verison}',
    });
    // A comment is inert: nothing in it is filled in, so nothing in it can break out.
    expect(fillPromqlTemplate('up # {version} "{arm}\n+ 1', values)).toBe(
      'up # {version} "{arm}\n+ 1',
    );
    expect(checkPromqlTemplate('  ')).toMatchObject({ ok: false, reason: 'is empty' });
  });
});

import { describe, expect, it } from 'vitest';
import { normaliseHeading, parseMarkdownDocument, readDocument } from '../../src/evidence/index.js';
import { refusal, writeTemp } from './helpers.js';
import { modelCardText } from './model-card-fixture.js';

describe('model cards and Markdown documents', () => {
  it('splits sections by normalised heading, nesting subsections and ignoring code fences', async () => {
    const doc = await readDocument(await writeTemp('model_card.md', modelCardText), 'model_card');
    expect(doc.sections.model_details).toBe('Gradient-boosted trees.');
    expect(doc.sections.intended_use).toBe('### Primary users\nCredit officers.');
    expect(doc.sections.primary_users).toBe('Credit officers.');
    expect(doc.sections.out_of_scope_prohibited_uses).toBe('Anything else.');
    expect(doc.sections.limitations).toContain('# not a heading');
    expect(doc.sections).not.toHaveProperty('not_a_heading');
    expect(doc.sections.models_caveats).toBe('Retrain quarterly.');
  });

  it('keeps CycloneDX and Hugging Face front matter and parses use constraints', async () => {
    const doc = await readDocument(await writeTemp('model_card.md', modelCardText), 'model_card');
    expect(doc.frontMatter).toMatchObject({
      license: 'apache-2.0',
      modelParameters: { task: 'binary-classification' },
    });
    expect(doc.useConstraints).toEqual({
      intendedUse: 'Probability of default for retail loan applications',
      prohibitedUses: ['employment screening', 'insurance pricing'],
      humanInTheLoop: true,
      forbiddenFeatures: ['sex', 'ethnicity'],
    });
  });

  it('reports bad YAML front matter with the line and column in the file', () => {
    expect(() =>
      parseMarkdownDocument('---\ntitle: ok\nbad: [unclosed\n---\n# A\n', 'card.md', 'model_card'),
    ).toThrow(/card\.md:\d+:\d+: front matter is not valid YAML/);
    expect(() =>
      parseMarkdownDocument('---\na: 1\n  b: 2\n---\n', 'card.md', 'model_card'),
    ).toThrow(/card\.md:2:4:/);
  });

  it('names a malformed use-constraints key', () => {
    const text = '---\nuseConstraints:\n  humanInTheLoop: "yes"\n---\n';
    expect(() => parseMarkdownDocument(text, 'card.md', 'model_card')).toThrow(
      /useConstraints\.humanInTheLoop/,
    );
  });

  it('reads documents without front matter, CRLF and closing hashes', () => {
    const doc = parseMarkdownDocument(
      '# Rollback plan ##\r\nSwitch back.\r\n## Triggers\r\n\r\n',
      'r.md',
      'rollback_plan',
    );
    expect(doc.frontMatter).toEqual({});
    expect(doc.sections.rollback_plan).toBe('Switch back.\n## Triggers');
    expect(doc.sections.triggers).toBe('');
  });

  it('reads HTML reports by heading', async () => {
    const file = await writeTemp(
      'evaluation_report.html',
      '<h1>Report</h1><h2>Metrics &amp; CIs</h2><p>AUC <b>0.81</b></p><h2>Data</h2><p>x</p>',
    );
    const doc = await readDocument(file, 'evaluation_report');
    expect(doc.sections.metrics_cis).toBe('AUC 0.81');
  });

  it('normalises headings', () => {
    expect(normaliseHeading('Intended use')).toBe('intended_use');
    expect(normaliseHeading('3.1 Ethical considerations!')).toBe('ethical_considerations');
    expect(normaliseHeading('Modèle — données')).toBe('modele_donnees');
  });

  it('refuses an unclosed front matter', async () => {
    const file = await writeTemp('m.md', '---\na: 1\n# Title\n');
    expect((await refusal(readDocument(file, 'model_card'))).message).toMatch(
      /m\.md:1:1: front matter/,
    );
  });
});

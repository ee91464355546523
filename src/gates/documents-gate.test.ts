import { describe, expect, it } from 'vitest';
import type { DocumentsGateSpec, EvidenceDocument } from '../domain/index.js';
import { documentsGate, normaliseHeading } from './documents-gate.js';
import { bundle, problem } from './fixtures.test-support.js';

const doc = (
  kind: EvidenceDocument['kind'],
  sections: Record<string, string>,
): EvidenceDocument => ({
  kind,
  path: `${kind}.md`,
  frontMatter: {},
  sections,
});
const spec: DocumentsGateSpec = {
  id: 'docs',
  type: 'documents',
  require: [
    { name: 'model_card', sections: ['Intended use', 'Limitations'] },
    { name: 'rollback_plan', sections: [] },
  ],
};
const complete = {
  model_card: doc('model_card', { intended_use: 'Triage support.', limitations: 'Adults only.' }),
  rollback_plan: doc('rollback_plan', { steps: 'Promote v12 back.' }),
};

describe('documentsGate', () => {
  it('passes when documents and required sections have text', () => {
    const result = documentsGate(spec, { candidate: bundle({ documents: complete }) });
    expect(result.outcome).toBe('pass');
    expect(result.observed).toBe('2 of 2 documents complete');
  });

  it('fails listing missing documents and empty sections', () => {
    const documents = { model_card: doc('model_card', { intended_use: 'x', limitations: '  \n' }) };
    const result = documentsGate(spec, { candidate: bundle({ documents }) });
    expect(result.outcome).toBe('fail');
    expect(result.explanation).toBe(
      'Documentation is incomplete: missing rollback_plan; model_card lacks text under "Limitations".',
    );
  });

  it('fails an empty document', () => {
    const documents = { ...complete, rollback_plan: doc('rollback_plan', { steps: '' }) };
    expect(documentsGate(spec, { candidate: bundle({ documents }) }).details.empty).toEqual([
      'rollback_plan',
    ]);
  });

  it('errors when a required document could not be read', () => {
    const candidate = bundle({
      documents: { model_card: complete.model_card },
      problems: [problem('rollback_plan', 'not UTF-8', 'rollback_plan.md')],
    });
    const result = documentsGate(spec, { candidate });
    expect(result.outcome).toBe('error');
    expect(result.explanation).toContain('rollback_plan.md:3: not UTF-8');
  });

  it('normalises headings the way the reader does', () => {
    expect(normaliseHeading('Intended Use ')).toBe('intended_use');
    expect(normaliseHeading('Ethical considerations & risks')).toBe('ethical_considerations_risks');
  });
});

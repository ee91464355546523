import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  approvalDecisions,
  changeTypes,
  evidenceKinds,
  requestStatuses,
  riskClasses,
  riskTiers,
} from '../../src/domain/index.js';

interface Property {
  enum?: string[];
}
interface Component {
  required?: string[];
  properties: Record<string, Property>;
}

const document = JSON.parse(
  readFileSync(join(import.meta.dirname, '..', '..', 'docs', 'reference', 'openapi.json'), 'utf8'),
) as { components: { schemas: Record<string, Component> } };
const component = (id: string): Component => document.components.schemas[id]!;

describe('the published record schemas', () => {
  it("carry the domain's closed sets of names as enums", () => {
    expect(component('Model').properties.riskTier?.enum).toEqual([...riskTiers]);
    expect(component('Evidence').properties.kind?.enum).toEqual([...evidenceKinds]);
    expect(component('TransitionRequest').properties.changeType?.enum).toEqual([...changeTypes]);
    expect(component('TransitionRequest').properties.status?.enum).toEqual([...requestStatuses]);
    expect(component('Approval').properties.decision?.enum).toEqual([...approvalDecisions]);
    expect(component('Approval').properties.riskClass?.enum).toEqual([...riskClasses]);
  });

  it('require the fields the domain always sets', () => {
    expect(component('Version').required).toEqual(
      expect.arrayContaining(['lineage', 'createdAt', 'createdBy', 'state', 'stateSince']),
    );
    expect(component('Evidence').required).toEqual(
      expect.arrayContaining(['mediaType', 'attachedAt', 'attachedBy']),
    );
    expect(component('Approval').required).toEqual(
      expect.arrayContaining(['comment', 'riskClass', 'evidenceDigest', 'policyDigest', 'at']),
    );
  });
});

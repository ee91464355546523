import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ignoredWhys } from '../../src/domain/approval-rules.js';
import {
  approvalDecisions,
  changeTypes,
  decisionKinds,
  decisionOutcomes,
  evidenceKinds,
  gateOutcomes,
  gateProvenances,
  gateTypes,
  requestStatuses,
  riskClasses,
  riskTiers,
} from '../../src/domain/index.js';

interface Property {
  enum?: string[];
  items?: { properties?: Record<string, Property> };
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
    expect(component('EvidenceItem').properties.kind?.enum).toEqual([...evidenceKinds]);
    expect(component('DecisionRecord').properties.kind?.enum).toEqual([...decisionKinds]);
    expect(component('DecisionRecord').properties.changeType?.enum).toEqual([...changeTypes]);
    expect(component('DecisionRecord').properties.outcome?.enum).toEqual([...decisionOutcomes]);
    expect(component('GateResult').properties.type?.enum).toEqual([...gateTypes]);
    expect(component('GateResult').properties.outcome?.enum).toEqual([...gateOutcomes]);
    expect(component('GateResult').properties.provenance?.enum).toEqual([...gateProvenances]);
    const ignored = component('ApprovalEvaluation').properties.ignored;
    expect(ignored?.items?.properties?.why?.enum).toEqual([...ignoredWhys]);
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
    expect(component('DecisionRecord').required).toEqual(
      expect.arrayContaining(['evidence', 'bypass', 'approvalsCounted', 'gates', 'reasons', 'at']),
    );
    expect(component('GateResult').required).toEqual(
      expect.arrayContaining(['observed', 'threshold', 'explanation', 'details']),
    );
    expect(component('ApprovalEvaluation').required).toEqual(
      expect.arrayContaining(['counted', 'ignored', 'missing', 'distinctApprovers']),
    );
  });
});

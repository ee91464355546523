/** Test fixture: the policy of DESIGN.md §2b, verbatim (including its placeholder digest). */
export const designExample = `apiVersion: clearance/v1
kind: Policy
metadata: { name: credit-risk, riskTier: regulated }
evaluationSet: { id: credit-locked-2026q3, digest: "sha256:…" }   # the locked test set
transitions:
  - from: draft
    to: staging
    requestedBy: [model_owner]
    gates:
      - { id: repro, type: reproducibility, require: [codeCommit, dataSnapshotId, configDigest, seed] }
    approvals: [{ role: tech_lead }]
  - from: staging
    to: production
    requestedBy: [mlops]
    documents: [model_card, evaluation_report, monitoring_plan, rollback_plan]
    gates:
      - { id: auc, type: baseline, metric: auc, maxDegradation: 0.01, confidence: 0.95 }
      - { id: ks, type: baseline, metric: ks, maxDegradation: 0.01, confidence: 0.95 }
      - { id: approval-rate-parity, type: fairness, attribute: sex, metric: disparate_impact_ratio, privileged: male, min: 0.8 }
      - { id: sbom, type: security, sbom: required, licenses: { deny: [AGPL-3.0, GPL-3.0] }, secrets: deny }
    approvals:
      - { role: model_owner }
      - { role: risk_officer }
      - { role: compliance_officer }
    separationOfDuties: { requesterMayApprove: false, creatorMayApprove: false, oneRolePerPerson: true }
    ticket: { required: true, pattern: "^RISK-[0-9]+$" }
changeTypes:
  emergency:
    allowedBy: [break_glass]
    bypass: [auc, ks]                 # never fairness or security here
    expiresAfter: 72h
    postIncidentReview: { dueWithin: 5d, approvals: [{ role: risk_officer }] }
  experiment: { maxState: staging }
`;

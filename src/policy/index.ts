export type { Problem, SourceLocation } from '../domain/errors.js';
export type { GateSpec, Policy } from '../domain/policy.js';
export { describeGate } from './describe-gate.js';
export { describeTrigger, explainPolicy, explainPolicyJson } from './explain-policy.js';
export { type PolicyParseResult, parsePolicy } from './parse-policy.js';
export { policyDigest } from './policy-digest.js';

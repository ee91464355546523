export * from './canonical-json.js';
export * from './check-decision.js';
export * from './duration.js';
export * from './errors.js';
export * from './evidence.js';
export * from './gate-result.js';
export * from './metrics.js';
export * from './policy.js';

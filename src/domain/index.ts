export * from './errors.js';
export * from './evidence.js';
export * from './gate-result.js';
export * from './policy.js';
export * from './metrics.js';

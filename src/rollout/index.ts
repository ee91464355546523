export { type AdvanceInput, advanceRollout, hasDueWork } from './advance-rollout.js';
export { ksDistance, populationStabilityIndex, psiEpsilon } from './drift.js';
export { type DriftBaselineRead, maxBaselineValues, readDriftBaseline } from './drift-baseline.js';
export { evaluateWindow, type WindowInput } from './evaluate-window.js';
export {
  type Arm,
  type ArmSample,
  type CountPoint,
  collectArm,
  type ObservationPoint,
  type ValuesPoint,
} from './observations.js';
export {
  type RelativeChange,
  relativeMeanChange,
  relativePercentileChange,
  relativeRateChange,
} from './relative-interval.js';
export {
  isTerminal,
  type RolloutEffect,
  type RolloutEvent,
  type RolloutState,
  type RolloutStatus,
  reduceRollout,
  startRollout,
  type Transition,
} from './rollout-state.js';
export { recordWindow, type TriggerHistory, type TriggerStatus } from './trigger-history.js';
export type { WindowObservation, WindowResult, WindowVerdict } from './window-result.js';
export { type WindowBounds, windowBounds, windowIndexOf } from './windows.js';

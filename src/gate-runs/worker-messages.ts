/** What the pool and a gate worker say to each other. */
import type { GateRunPhase } from '../app/index.js';
import type { GateResult } from '../domain/index.js';
import type { MaterialisedRun } from './materialised-run.js';

export interface WorkerRequest {
  id: number;
  run: MaterialisedRun;
}

export type WorkerReply =
  | { type: 'ready' }
  | { type: 'phase'; id: number; phase: GateRunPhase }
  | { type: 'done'; id: number; results: GateResult[] }
  | { type: 'failed'; id: number; reason: string };

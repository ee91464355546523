/** The release board as the edges call it. */
import type { Principal } from '../../domain/index.js';
import type { AppDeps } from '../shared/app-deps.js';
import { type BoardInput, type BoardPage, releaseBoard } from './release-board.js';

export interface BoardUseCases {
  /** A page of the release board: models with their stages, canary, open requests and marks. */
  releaseBoard(principal: Principal, input: BoardInput): Promise<BoardPage>;
}

export function bindBoardUseCases(deps: AppDeps): BoardUseCases {
  return { releaseBoard: (principal, input) => releaseBoard(deps, principal, input) };
}

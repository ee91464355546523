/**
 * The release board's data: pages of `GET /api/v1/board` (one call per page, whatever the number
 * of models), filtered by the server. The stage pipeline is laid out here.
 */
import type { ApiClient, Paths } from '../../api/client';

type BoardPage = Paths['/api/v1/board']['get']['responses'][200]['content']['application/json'];
export type BoardRow = BoardPage['models'][number];

export interface BoardFilter {
  team?: string;
  tier?: string;
  waitingForMe: boolean;
}

/** Models the board asks for per page. */
const boardPageSize = 100;

/** One page of the board under `filter`, after model `after`; `next` names the following page. */
export async function loadBoard(
  api: ApiClient,
  input: { filter: BoardFilter; after?: string },
): Promise<{ rows: BoardRow[]; next: string | null }> {
  const { filter, after } = input;
  const page = await api.get('/api/v1/board', {
    query: {
      limit: boardPageSize,
      ...(filter.team ? { team: filter.team } : {}),
      ...(filter.tier ? { riskTier: filter.tier } : {}),
      ...(filter.waitingForMe ? { waitingFor: 'me' as const } : {}),
      ...(after ? { after } : {}),
    },
  });
  return { rows: page.models, next: page.next };
}

/** The default stage pipeline; a policy's own extra states are appended in first-seen order. */
const defaultStages = ['draft', 'staging', 'production', 'deprecated', 'archived'] as const;

export function stagesOf(versions: readonly { state: string }[]): string[] {
  const stages: string[] = [...defaultStages];
  for (const version of versions) if (!stages.includes(version.state)) stages.push(version.state);
  return stages;
}

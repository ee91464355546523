/**
 * `order_by`, `max_results` and `page_token` of MLflow's search endpoints. Clearance answers
 * searches from the records it reads anyway, so a page token is the offset of the next page in
 * the ordered result (opaque to clients, as MLflow's are).
 */
import { invalidInput } from '../../domain/index.js';
import type { MlflowModelVersion, MlflowRegisteredModel } from './mlflow-shapes.js';

type Direction = 'ASC' | 'DESC';
type Key<T> = (record: T) => string | number;

/** What versions are ordered by: MLflow's record, or as much of it as a search builds first. */
type VersionOrderFields = Pick<
  MlflowModelVersion,
  'name' | 'version' | 'creation_timestamp' | 'last_updated_timestamp'
>;

const versionKeys: Record<string, Key<VersionOrderFields>> = {
  name: (v) => v.name,
  version_number: (v) => (Number.isInteger(Number(v.version)) ? Number(v.version) : -1),
  creation_timestamp: (v) => v.creation_timestamp,
  last_updated_timestamp: (v) => v.last_updated_timestamp,
};

const modelKeys: Record<string, Key<MlflowRegisteredModel>> = {
  name: (m) => m.name,
  creation_timestamp: (m) => m.creation_timestamp,
  // MLflow reads `timestamp` as the time of the last change (search_utils.py), not the creation.
  timestamp: (m) => m.last_updated_timestamp,
  last_updated_timestamp: (m) => m.last_updated_timestamp,
};

/** MLflow's defaults: models by name; versions newest first. */
const defaultVersionOrder = ['last_updated_timestamp DESC', 'name ASC', 'version_number DESC'];
const defaultModelOrder = ['name ASC'];

function comparatorFor<T>(keys: Record<string, Key<T>>, clauses: readonly string[]) {
  const parsed = clauses.map((clause) => {
    const match = /^\s*(?:attributes?\.)?([a-z_]+)(?:\s+(asc|desc))?\s*$/i.exec(clause);
    const key =
      match?.[1] && Object.hasOwn(keys, match[1].toLowerCase())
        ? keys[match[1].toLowerCase()]
        : undefined;
    if (!match || key === undefined) {
      throw invalidInput(
        `Invalid order_by clause '${clause}'.`,
        `Order by one of ${Object.keys(keys).join(', ')}, optionally followed by ASC or DESC.`,
      );
    }
    const direction: Direction = match[2]?.toUpperCase() === 'DESC' ? 'DESC' : 'ASC';
    return { key, sign: direction === 'DESC' ? -1 : 1 };
  });
  return (a: T, b: T): number => {
    for (const { key, sign } of parsed) {
      const [x, y] = [key(a), key(b)];
      if (x < y) return -sign;
      if (x > y) return sign;
    }
    return 0;
  };
}

export function orderVersions<V extends VersionOrderFields>(
  versions: V[],
  orderBy: readonly string[] | undefined,
): V[] {
  const clauses =
    orderBy && orderBy.length > 0 ? [...orderBy, ...defaultVersionOrder] : defaultVersionOrder;
  return versions.sort(comparatorFor(versionKeys, clauses));
}

export function orderModels(
  models: MlflowRegisteredModel[],
  orderBy: readonly string[] | undefined,
): MlflowRegisteredModel[] {
  const clauses =
    orderBy && orderBy.length > 0 ? [...orderBy, ...defaultModelOrder] : defaultModelOrder;
  return models.sort(comparatorFor(modelKeys, clauses));
}

function offsetOf(token: string | undefined): number {
  if (token === undefined || token === '') return 0;
  const text = Buffer.from(token, 'base64url').toString('utf8');
  const match = /^\{"offset":(\d{1,9})\}$/.exec(text);
  if (!match?.[1]) {
    throw invalidInput(
      'Invalid page_token.',
      'Pass the next_page_token of the previous page unchanged, or none to start over.',
    );
  }
  return Number(match[1]);
}

const tokenFor = (offset: number): string =>
  Buffer.from(JSON.stringify({ offset }), 'utf8').toString('base64url');

/** One page of an ordered result and the token of the next (absent on the last page). */
export function pageOf<T>(
  records: readonly T[],
  input: { maxResults: number; limit: number; pageToken: string | undefined },
): { items: T[]; next_page_token?: string } {
  const { maxResults, limit } = input;
  if (!(Number.isInteger(maxResults) && maxResults >= 1 && maxResults <= limit)) {
    throw invalidInput(
      `Invalid value ${maxResults} for parameter 'max_results' supplied.`,
      `Ask for 1 to ${limit} results.`,
    );
  }
  const offset = offsetOf(input.pageToken);
  const items = records.slice(offset, offset + maxResults);
  const end = offset + items.length;
  return end < records.length ? { items, next_page_token: tokenFor(end) } : { items };
}

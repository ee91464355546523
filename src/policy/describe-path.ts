import type { DataPath } from './source-map.js';

const namedSections = new Set([
  'metadata',
  'states',
  'roles',
  'evaluationSet',
  'transitions',
  'changeTypes',
]);
const namedParts = new Set(['separationOfDuties', 'ticket', 'reason', 'rollout']);

/**
 * Names a place in the policy the way a reader counts: "transition 2", "gate 3 of transition 2",
 * "rollback trigger 1 of transition 2". Positions are 1-based because the messages are for people;
 * the line and column say exactly where.
 */
function nameOf(path: DataPath): string | undefined {
  const [a, b, c, d, e] = path;
  if (path.length === 1 && typeof a === 'string' && namedSections.has(a)) return a;
  if (a === 'roles' && typeof b === 'number' && path.length === 2) return `role ${b + 1}`;
  if (a === 'changeTypes' && typeof b === 'string' && path.length === 2) return `changeTypes.${b}`;
  if (a === 'changeTypes' && b === 'emergency' && c === 'approvals' && typeof d === 'number') {
    if (path.length === 4) return `emergency sign-off ${d + 1} of changeTypes.emergency`;
  }
  if (a === 'changeTypes' && b === 'emergency' && c === 'postIncidentReview') {
    if (path.length === 3) return 'the post-incident review of changeTypes.emergency';
    if (typeof e === 'number' && d === 'approvals' && path.length === 5) {
      return `approval ${e + 1} of the post-incident review`;
    }
  }
  if (a !== 'transitions' || typeof b !== 'number') return undefined;
  const transition = `transition ${b + 1}`;
  if (path.length === 2) return transition;
  if (path.length === 3 && typeof c === 'string' && namedParts.has(c))
    return `${c} of ${transition}`;
  if (path.length === 4 && typeof d === 'number') {
    if (c === 'gates') return `gate ${d + 1} of ${transition}`;
    if (c === 'approvals') return `approval ${d + 1} of ${transition}`;
    if (c === 'documents') return `document ${d + 1} of ${transition}`;
  }
  if (c === 'rollout' && d === 'canary' && path.length === 4) return `the canary of ${transition}`;
  if (c === 'rollout' && d === 'steps' && typeof e === 'number' && path.length === 5) {
    return `canary step ${e + 1} of ${transition}`;
  }
  if (c === 'rollout' && d === 'triggers' && typeof e === 'number' && path.length === 5) {
    return `rollback trigger ${e + 1} of ${transition}`;
  }
  return undefined;
}

function formatSegments(segments: DataPath): string {
  let text = '';
  for (const segment of segments) {
    text += typeof segment === 'number' ? `[${segment}]` : `${text ? '.' : ''}${String(segment)}`;
  }
  return text;
}

/** Splits a path into its deepest named container and the keys below it. */
function split(path: DataPath): { container: DataPath; rest: DataPath } {
  for (let length = path.length; length > 0; length--) {
    const container = path.slice(0, length);
    if (nameOf(container) !== undefined) return { container, rest: path.slice(length) };
  }
  return { container: [], rest: path };
}

/** "'riskTier' in metadata", "gate 2 of transition 1", "'apiVersion'" — the subject of a message. */
export function describePath(path: DataPath): string {
  const last = path[path.length - 1];
  if (typeof last === 'number' && nameOf(path) === undefined) {
    return `item ${last + 1} of ${describePath(path.slice(0, -1))}`;
  }
  const { container, rest } = split(path);
  const name = nameOf(container);
  if (rest.length === 0) return name ?? 'the policy';
  const keys = `'${formatSegments(rest)}'`;
  return name === undefined ? keys : `${keys} in ${name}`;
}

/** "in transition 1", "at the top level" — where a key belongs, for unknown and missing keys. */
export function describeContainer(path: DataPath): string {
  return path.length === 0 ? 'at the top level' : `in ${describePath(path)}`;
}

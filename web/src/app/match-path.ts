/** Path patterns of the route table: literal segments and `:name` parameters, nothing else. */
export type PathParams = Readonly<Record<string, string>>;

/**
 * The parameters of `path` under `pattern` (`/rollouts/:id` and `/rollouts/r-1` → `{ id: 'r-1' }`),
 * or `undefined` when it does not match. Parameters are percent-decoded; a trailing slash is ignored.
 */
export function matchPath(pattern: string, path: string): PathParams | undefined {
  const want = segments(pattern);
  const have = segments(path);
  if (want.length !== have.length) return undefined;
  const params: Record<string, string> = {};
  for (const [i, part] of want.entries()) {
    const actual = have[i] ?? '';
    if (part.startsWith(':')) {
      const value = decode(actual);
      if (value === undefined || value === '') return undefined;
      params[part.slice(1)] = value;
    } else if (part !== actual) {
      return undefined;
    }
  }
  return params;
}

/** `pattern` with its parameters filled in, each percent-encoded. */
export function buildPath(pattern: string, params: PathParams = {}): string {
  const parts = segments(pattern).map((part) => {
    if (!part.startsWith(':')) return part;
    const value = params[part.slice(1)];
    if (value === undefined) throw new Error(`Missing path parameter ${part} for ${pattern}`);
    return encodeURIComponent(value);
  });
  return `/${parts.join('/')}`;
}

function segments(path: string): string[] {
  return path.split('/').filter((part) => part !== '');
}

function decode(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

import { type DependencyList, useCallback, useEffect, useState } from 'react';
import { ApiError } from './client';

/** What a page shows while it loads data: the value, or the error, and a way to load again. */
export type Resource<T> =
  | { status: 'loading'; reload(): void }
  | { status: 'error'; error: ApiError; reload(): void }
  | { status: 'ready'; data: T; reload(): void };

/**
 * Runs `load` on mount and whenever `deps` change; a later answer replaces an earlier one, and an
 * answer for stale deps is dropped. Errors that are not ApiError become one (code `client`).
 */
export function useResource<T>(load: () => Promise<T>, deps: DependencyList): Resource<T> {
  const [state, setState] = useState<
    { status: 'loading' } | { status: 'error'; error: ApiError } | { status: 'ready'; data: T }
  >({ status: 'loading' });
  const [generation, setGeneration] = useState(0);
  const reload = useCallback(() => setGeneration((n) => n + 1), []);
  // biome-ignore lint/correctness/useExhaustiveDependencies: the caller's deps decide when to load.
  useEffect(() => {
    let current = true;
    load().then(
      (data) => current && setState({ status: 'ready', data }),
      (cause: unknown) => current && setState({ status: 'error', error: asApiError(cause) }),
    );
    return () => {
      current = false;
    };
  }, [...deps, generation]);
  return { ...state, reload } as Resource<T>;
}

export function asApiError(cause: unknown): ApiError {
  if (cause instanceof ApiError) return cause;
  const detail = cause instanceof Error ? cause.message : String(cause);
  return new ApiError({ status: 0, code: 'client', detail });
}

/**
 * Verifies OIDC-issued JWTs (signature via the issuer's JWKS, `iss`, `aud`, `exp`, `nbf`) and maps
 * them to a Principal. The roles claim holds `role` or `role:model` strings.
 */
import { createRemoteJWKSet, type JWTPayload, jwtVerify } from 'jose';
import { ClearanceError, type Principal, type RoleBinding } from '../domain/index.js';

export interface OidcVerifierOptions {
  issuer: string;
  audience: string;
  /** Claim holding the roles; a dotted path reaches nested claims (`realm_access.roles`). */
  rolesClaim: string;
  /** Skips discovery when given. */
  jwksUrl?: string;
  /** Seconds of clock skew tolerated on `exp` and `nbf`. */
  clockToleranceSeconds?: number;
}

export interface OidcVerifier {
  /** The Principal the token names, or throws ClearanceError('unauthenticated'). */
  verify(jwt: string): Promise<Principal>;
}

type KeySet = ReturnType<typeof createRemoteJWKSet>;

/** `risk_officer` → global role; `model_owner:credit-risk-pd` → role on one model. */
export function parseRoleBinding(text: string): RoleBinding | undefined {
  const trimmed = text.trim();
  if (trimmed === '') return undefined;
  const colon = trimmed.indexOf(':');
  if (colon < 0) return { role: trimmed };
  const role = trimmed.slice(0, colon);
  const model = trimmed.slice(colon + 1);
  if (role === '' || model === '') return undefined;
  return { role, model };
}

function claimAt(payload: JWTPayload, path: string): unknown {
  let value: unknown = payload;
  for (const part of path.split('.')) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

/** Accepts a list of strings or one space-separated string (as `scope` is written). */
export function rolesFromClaim(value: unknown): RoleBinding[] {
  const texts =
    typeof value === 'string'
      ? value.split(/\s+/)
      : Array.isArray(value)
        ? value.filter((v): v is string => typeof v === 'string')
        : [];
  return texts.map(parseRoleBinding).filter((b): b is RoleBinding => b !== undefined);
}

async function discoverJwksUrl(issuer: string): Promise<string> {
  const url = `${issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`;
  const response = await fetch(url, { headers: { accept: 'application/json' } });
  if (!response.ok) throw new Error(`OIDC discovery at ${url} answered ${response.status}.`);
  const document: unknown = await response.json();
  const jwksUri =
    document !== null && typeof document === 'object'
      ? (document as Record<string, unknown>).jwks_uri
      : undefined;
  if (typeof jwksUri !== 'string') throw new Error(`OIDC discovery at ${url} has no jwks_uri.`);
  return jwksUri;
}

export function createOidcVerifier(options: OidcVerifierOptions): OidcVerifier {
  let keySet: Promise<KeySet> | undefined;
  const keys = (): Promise<KeySet> => {
    keySet ??= (
      options.jwksUrl ? Promise.resolve(options.jwksUrl) : discoverJwksUrl(options.issuer)
    )
      .then((url) => createRemoteJWKSet(new URL(url)))
      .catch((cause: unknown) => {
        // Forget the failure so the next request retries discovery.
        keySet = undefined;
        throw cause;
      });
    return keySet;
  };

  return {
    async verify(jwt) {
      let payload: JWTPayload;
      try {
        ({ payload } = await jwtVerify(jwt, await keys(), {
          issuer: options.issuer,
          audience: options.audience,
          clockTolerance: options.clockToleranceSeconds ?? 5,
        }));
      } catch (cause) {
        throw new ClearanceError('unauthenticated', 'The bearer JWT is not valid.', {
          cause,
          problems: [
            {
              message: cause instanceof Error ? cause.message : String(cause),
              fix: `Sign in again to get a fresh token from ${options.issuer} for audience ${options.audience}.`,
            },
          ],
        });
      }
      const id = payload.sub ?? claimAt(payload, 'preferred_username');
      if (typeof id !== 'string' || id === '') {
        throw new ClearanceError('unauthenticated', 'The bearer JWT names no subject.', {
          problems: [{ message: 'Neither `sub` nor `preferred_username` is set.' }],
        });
      }
      const roles = rolesFromClaim(claimAt(payload, options.rolesClaim));
      // The subject and roles reach the store (audit actors, approvals): text PostgreSQL can hold.
      const texts = [id, ...roles.flatMap((r) => [r.role, r.model ?? ''])];
      if (texts.some((text) => text.includes('\u0000') || !text.isWellFormed())) {
        throw new ClearanceError(
          'unauthenticated',
          'The bearer JWT names a subject or role with a NUL or an unpaired surrogate.',
          {
            problems: [
              {
                message: 'Unstorable text in `sub` or the roles claim.',
                fix: `Fix the claims at ${options.issuer}.`,
              },
            ],
          },
        );
      }
      return { id, kind: 'user', roles };
    },
  };
}

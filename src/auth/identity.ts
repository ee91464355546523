/**
 * Who is calling: a `clr_` API token looked up in the identity directory, or an OIDC JWT.
 * Role checks on actions belong to the use cases; `can` is for filtering (e.g. an inbox).
 */
import { ClearanceError, type Principal, type RoleBinding } from '../domain/index.js';
import { isApiToken, isTokenSecretValid, parseApiToken } from './api-token.js';
import type { OidcVerifier } from './oidc-verifier.js';

export interface StoredToken {
  /** `hashTokenSecret(secret)`. */
  hashedSecret: string;
  userId: string;
  /** RFC 3339. */
  expiresAt?: string;
  revokedAt?: string;
}

/** What authentication needs of a stored user's account. */
export interface AccountState {
  /** Set while the account is disabled: every credential of the user is refused. */
  disabledAt?: string;
}

/** A token with its user's role bindings and account state, read together. */
export interface TokenHolder extends StoredToken, AccountState {
  roles: RoleBinding[];
}

/** Users, their tokens and role bindings, as the store keeps them. */
export interface IdentityDirectory {
  /**
   * The token, its user's role bindings and account state, from one snapshot; undefined for an
   * unknown id.
   */
  findToken(id: string): Promise<TokenHolder | undefined>;
  /**
   * The account of the stored user `userId`, for credentials that name a user without a stored
   * token (OIDC); undefined when Clearance stores no such user.
   */
  findAccount(userId: string): Promise<AccountState | undefined>;
}

export interface AuthenticateOptions {
  directory: IdentityDirectory;
  oidc?: OidcVerifier;
  now?: () => Date;
}

export type RequestHeaders = Record<string, string | string[] | undefined>;

function unauthenticated(message: string, fix: string): ClearanceError {
  return new ClearanceError('unauthenticated', message, { problems: [{ message, fix }] });
}

/** A disabled account is refused whatever the credential (offboarding, docs/security.md). */
function assertAccountEnabled(userId: string, account: AccountState | undefined): void {
  if (account?.disabledAt === undefined) return;
  throw unauthenticated(
    `The account of user ${userId} is disabled.`,
    'Ask an admin to enable the account again (clearance admin user enable) if it should have access.',
  );
}

function bearerOf(headers: RequestHeaders): string {
  const header = headers.authorization;
  const value = Array.isArray(header) ? header[0] : header;
  if (value === undefined || value === '') {
    throw unauthenticated(
      'The request has no Authorization header.',
      'Send `Authorization: Bearer <token>` with an API token (clr_…) or an OIDC JWT.',
    );
  }
  const match = /^Bearer\s+(\S+)\s*$/i.exec(value);
  if (!match?.[1]) {
    throw unauthenticated(
      'The Authorization header is not a Bearer credential.',
      'Send `Authorization: Bearer <token>`.',
    );
  }
  return match[1];
}

async function tokenPrincipal(text: string, options: AuthenticateOptions): Promise<Principal> {
  const parsed = parseApiToken(text);
  const stored = parsed ? await options.directory.findToken(parsed.id) : undefined;
  // One message for unknown id and wrong secret, so callers cannot probe which ids exist.
  if (!parsed || !stored || !isTokenSecretValid(parsed.secret, stored.hashedSecret)) {
    throw unauthenticated('The API token is not valid.', 'Check the token or create a new one.');
  }
  assertAccountEnabled(stored.userId, stored);
  if (stored.revokedAt !== undefined) {
    throw unauthenticated(`API token ${parsed.id} was revoked.`, 'Create a new token.');
  }
  const now = options.now?.() ?? new Date();
  if (stored.expiresAt !== undefined && Date.parse(stored.expiresAt) <= now.getTime()) {
    throw unauthenticated(
      `API token ${parsed.id} expired at ${stored.expiresAt}.`,
      'Create a new token.',
    );
  }
  // A token acts as its user: separation of duties counts people, not tokens. The roles are
  // copied: a cached holder is shared by every request that presents the token.
  return { id: stored.userId, kind: 'user', roles: stored.roles.map((b) => ({ ...b })) };
}

/** The Principal behind the request's Bearer credential, or throws ClearanceError('unauthenticated'). */
export async function authenticate(
  headers: RequestHeaders,
  options: AuthenticateOptions,
): Promise<Principal> {
  const credential = bearerOf(headers);
  if (isApiToken(credential)) return tokenPrincipal(credential, options);
  if (!options.oidc) {
    throw unauthenticated(
      'The bearer credential is not a Clearance API token and OIDC is not configured.',
      'Use an API token (clr_…), or set oidcIssuer on the server.',
    );
  }
  const principal = await options.oidc.verify(credential);
  // The roles come from the identity provider; a user Clearance stores can still be disabled here.
  assertAccountEnabled(principal.id, await options.directory.findAccount(principal.id));
  return principal;
}

/** True when the principal holds `role` globally, or for `model` when one is given. */
export function can(principal: Principal, role: string, model?: string): boolean {
  return principal.roles.some(
    (b) => b.role === role && (b.model === undefined || (model !== undefined && b.model === model)),
  );
}

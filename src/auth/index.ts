export {
  type ApiToken,
  apiTokenIssuer,
  createApiToken,
  hashTokenSecret,
  isApiToken,
  isTokenSecretValid,
  parseApiToken,
} from './api-token.js';
export {
  type AccountState,
  type AuthenticateOptions,
  authenticate,
  can,
  type IdentityDirectory,
  type RequestHeaders,
  type StoredToken,
  type TokenHolder,
} from './identity.js';
export {
  createOidcVerifier,
  type OidcVerifier,
  type OidcVerifierOptions,
  parseRoleBinding,
  rolesFromClaim,
} from './oidc-verifier.js';
export { principalCache, type VersionedDirectory } from './principal-cache.js';

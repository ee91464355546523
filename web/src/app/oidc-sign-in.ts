/**
 * Signing in at the OIDC issuer from the browser: the authorization code flow with PKCE
 * (RFC 7636, S256) as a public client, as OAuth 2.0 for Browser-Based Apps recommends — discovery
 * from the issuer, `state` and `nonce` checked, the code exchanged at the token endpoint from the
 * browser, the access token kept like an API token. oauth4webapi does the protocol; this module is
 * loaded only when someone signs in this way.
 */
import * as oauth from 'oauth4webapi';
import { rememberOidcSignIn, takeOidcSignIn } from './oidc-pending';

/** The web app's client at the issuer, as `GET /api/v1/sign-in` describes it. */
export interface OidcBrowserClient {
  issuer: string;
  clientId: string;
  redirectPath: string;
  scope: string;
  resource?: string;
}

/**
 * Plain HTTP only to a loopback issuer: browsers treat loopback as a secure origin, and a
 * provider on the same machine (a developer's, or the browser tests') has no certificate.
 */
function transport(issuer: URL): { [oauth.allowInsecureRequests]?: boolean } {
  const loopback = ['localhost', '127.0.0.1', '[::1]'].includes(issuer.hostname);
  return loopback && issuer.protocol === 'http:' ? { [oauth.allowInsecureRequests]: true } : {};
}

async function discover(issuer: URL): Promise<oauth.AuthorizationServer> {
  const response = await oauth.discoveryRequest(issuer, {
    algorithm: 'oidc',
    ...transport(issuer),
  });
  return oauth.processDiscoveryResponse(issuer, response);
}

/** Sends the browser to the issuer's authorization endpoint; it comes back to `redirectPath`. */
export async function startOidcSignIn(client: OidcBrowserClient, returnTo: string): Promise<void> {
  const issuer = new URL(client.issuer);
  const server = await discover(issuer);
  if (server.authorization_endpoint === undefined) {
    throw new Error(`${client.issuer} publishes no authorization endpoint.`);
  }
  const codeVerifier = oauth.generateRandomCodeVerifier();
  const state = oauth.generateRandomState();
  const nonce = oauth.generateRandomNonce();
  const redirectUri = new URL(client.redirectPath, window.location.origin).href;
  const url = new URL(server.authorization_endpoint);
  const params = {
    client_id: client.clientId,
    redirect_uri: redirectUri,
    response_type: 'code',
    scope: client.scope,
    code_challenge: await oauth.calculatePKCECodeChallenge(codeVerifier),
    code_challenge_method: 'S256',
    state,
    nonce,
    ...(client.resource ? { resource: client.resource } : {}),
  };
  for (const [key, value] of Object.entries(params)) url.searchParams.set(key, value);
  rememberOidcSignIn({
    issuer: client.issuer,
    clientId: client.clientId,
    redirectUri,
    ...(client.resource ? { resource: client.resource } : {}),
    codeVerifier,
    state,
    nonce,
    returnTo,
  });
  window.location.assign(url.href);
}

/**
 * Completes the sign-in this page load answers: checks the answer's `state` (and issuer), redeems
 * the code with the PKCE verifier, checks the ID token's `nonce`, and returns the access token.
 * Throws with the reason when any check fails; the sign-in under way is forgotten either way.
 */
export async function completeOidcSignIn(): Promise<{ accessToken: string; returnTo: string }> {
  const pending = takeOidcSignIn();
  if (!pending) throw new Error('No OIDC sign-in was under way in this tab.');
  const issuer = new URL(pending.issuer);
  const server = await discover(issuer);
  const client: oauth.Client = { client_id: pending.clientId };
  try {
    const params = oauth.validateAuthResponse(
      server,
      client,
      new URL(window.location.href),
      pending.state,
    );
    const response = await oauth.authorizationCodeGrantRequest(
      server,
      client,
      oauth.None(),
      params,
      pending.redirectUri,
      pending.codeVerifier,
      {
        ...transport(issuer),
        ...(pending.resource ? { additionalParameters: { resource: pending.resource } } : {}),
      },
    );
    const result = await oauth.processAuthorizationCodeResponse(server, client, response, {
      expectedNonce: pending.nonce,
      requireIdToken: true,
    });
    return { accessToken: result.access_token, returnTo: pending.returnTo };
  } catch (cause) {
    throw new Error(`The answer from ${pending.issuer} was refused: ${reasonOf(cause)}`);
  }
}

function reasonOf(cause: unknown): string {
  if (cause instanceof oauth.AuthorizationResponseError) {
    return `${cause.error}${cause.error_description ? ` (${cause.error_description})` : ''}.`;
  }
  if (cause instanceof oauth.ResponseBodyError) {
    return `${cause.error}${cause.error_description ? ` (${cause.error_description})` : ''}.`;
  }
  return cause instanceof Error ? `${cause.message}.` : String(cause);
}

/**
 * A real OpenID provider on loopback for the browser tests: panva's `oidc-provider` with the web
 * app registered as a public client (no secret, PKCE required), its development login and
 * consent pages (any login name; the password is not checked), and JWT access tokens for
 * Clearance carrying the roles claim. Roles are given per login name before the test signs in.
 */
import { generateKeyPairSync } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider from 'oidc-provider';

export interface TestOidcProvider {
  issuer: string;
  /** The access tokens' audience, and the resource indicator the app sends to get them. */
  resource: string;
  clientId: string;
  /** Registers the app's redirect URI (known once the server has a port) and starts serving. */
  registerApp(redirectUri: string): void;
  /** The roles claim issued for this login name from now on. */
  grantRoles(login: string, roles: string[]): void;
  close(): Promise<void>;
}

export const rolesClaim = 'clearance_roles';

export async function startOidcProvider(): Promise<TestOidcProvider> {
  let handler: ((req: IncomingMessage, res: ServerResponse) => void) | undefined;
  const server = createServer((req, res) => {
    if (handler) return handler(req, res);
    res.writeHead(503).end('the provider has no client yet');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const resource = 'https://clearance.test/api';
  const clientId = 'clearance-web';
  const roles = new Map<string, string[]>();
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const signingKey = { ...privateKey.export({ format: 'jwk' }), alg: 'ES256', use: 'sig' };
  return {
    issuer,
    resource,
    clientId,
    registerApp(redirectUri) {
      const provider = new Provider(issuer, {
        clients: [
          {
            client_id: clientId,
            token_endpoint_auth_method: 'none',
            application_type: 'web',
            redirect_uris: [redirectUri],
            grant_types: ['authorization_code'],
            response_types: ['code'],
            id_token_signed_response_alg: 'ES256',
          },
        ],
        jwks: { keys: [signingKey] },
        cookies: { keys: ['browser-test-cookie-key'] },
        scopes: ['openid', 'clearance'],
        pkce: { required: () => true },
        ttl: { Interaction: 600, Session: 3600, Grant: 3600, AccessToken: 600, IdToken: 600 },
        // The app calls the token endpoint from its own origin.
        clientBasedCORS: (_ctx, origin, client) =>
          client.redirectUris?.some((uri) => new URL(uri).origin === origin) ?? false,
        features: {
          devInteractions: { enabled: true },
          resourceIndicators: {
            enabled: true,
            defaultResource: () => resource,
            useGrantedResource: () => true,
            getResourceServerInfo: (_ctx, indicator) => {
              if (indicator !== resource) throw new Error(`unknown resource ${indicator}`);
              return {
                scope: 'clearance',
                audience: resource,
                accessTokenFormat: 'jwt',
                accessTokenTTL: 600,
                jwt: { sign: { alg: 'ES256' } },
              };
            },
          },
        },
        findAccount: async (_ctx, sub) => ({ accountId: sub, claims: async () => ({ sub }) }),
        extraTokenClaims: async (_ctx, token) => {
          const accountId = 'accountId' in token ? token.accountId : undefined;
          return { [rolesClaim]: roles.get(String(accountId)) ?? [] };
        },
      });
      handler = provider.callback();
    },
    grantRoles(login, granted) {
      roles.set(login, granted);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

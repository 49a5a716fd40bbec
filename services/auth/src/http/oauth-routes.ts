import { Router, type ErrorRequestHandler, type RequestHandler } from 'express';
import {
  AppError,
  ERROR_CATALOGUE,
  isOAuthErrorCode,
  requireIdentity,
  toAppError,
  type OAuthErrorBody,
  type OAuthErrorCode,
  type IdentityKeys,
} from '@app/common';
import { CLIENT_REALM, type ClientRegistry } from '../domain/clients';
import type { ScopePolicy } from '../domain/scopes';
import type { Sessions, TokenTypeHint } from '../domain/sessions';
import { clientAddressOf } from './client-identity';
import { clientCredentialsOf } from './client-credentials';
import { clientFieldsBody, introspectionBody, revocationBody, tokenUrls } from './auth-contract';
import { acceptBody, parseBody } from './request-body';

export interface OAuthRouteDeps {
  identitySecret: IdentityKeys;
  issuer: string;
  sessions: Sessions;
  clients: ClientRegistry;
  scopes: ScopePolicy;
}

/** Where each OAuth 2.0 endpoint lives, below the issuer (the gateway's public URL). */
export const OAUTH_PATHS = {
  metadata: '/.well-known/oauth-authorization-server',
  token: '/auth/token',
  revocation: '/auth/revoke',
  introspection: '/auth/introspect',
  jwks: '/auth/.well-known/jwks.json',
} as const;

const CLIENT_AUTH_METHODS = ['client_secret_basic', 'client_secret_post'];

/** RFC 8414 section 2: what a client library needs to configure itself from the issuer alone. */
export function authorizationServerMetadata(issuer: string, scopes: readonly string[]) {
  return {
    issuer,
    token_endpoint: `${issuer}${OAUTH_PATHS.token}`,
    revocation_endpoint: `${issuer}${OAUTH_PATHS.revocation}`,
    introspection_endpoint: `${issuer}${OAUTH_PATHS.introspection}`,
    jwks_uri: `${issuer}${OAUTH_PATHS.jwks}`,
    grant_types_supported: ['password', 'refresh_token'],
    // No authorization endpoint: neither grant uses one, so no response type is supported.
    response_types_supported: [],
    token_endpoint_auth_methods_supported: ['none', ...CLIENT_AUTH_METHODS],
    revocation_endpoint_auth_methods_supported: ['none', ...CLIENT_AUTH_METHODS],
    introspection_endpoint_auth_methods_supported: CLIENT_AUTH_METHODS,
    scopes_supported: [...scopes],
    service_documentation: `${issuer}/docs`,
  };
}

// RFC 6749 section 5.1 and RFC 7662 section 2.2: nothing these endpoints answer may be cached.
const noStore: RequestHandler = (_req, res, next) => {
  res.set({ 'Cache-Control': 'no-store', Pragma: 'no-cache' });
  next();
};

// RFC 6749 section 3.1: "Parameters sent without a value MUST be treated as if they were omitted".
const withoutEmptyParameters: RequestHandler = (req, _res, next) => {
  const body: unknown = req.body;
  if (body !== null && typeof body === 'object' && !Array.isArray(body)) {
    req.body = Object.fromEntries(Object.entries(body).filter(([, value]) => value !== ''));
  }
  next();
};
const oauthBody = [acceptBody('form', 'json'), withoutEmptyParameters];

const hintOf = (hint: string | undefined): TokenTypeHint | undefined => (hint === 'access_token' || hint === 'refresh_token' ? hint : undefined);

/**
 * The protocol's errors in the protocol's body (RFC 6749 section 5.2); a request the validator refused
 * is `invalid_request`. Everything OAuth does not define (415, 429 with Retry-After, 503, a missing
 * gateway proof) goes on to the one error handler in the project's own body.
 */
const oauthErrors: ErrorRequestHandler = (err, _req, res, next) => {
  const error = toAppError(err);
  let code: OAuthErrorCode | undefined;
  if (isOAuthErrorCode(error.code)) code = error.code;
  else if (error.code === 'validation_failed' || error.code === 'bad_request') code = 'invalid_request';
  if (!code || res.headersSent) return next(err);
  for (const [name, value] of Object.entries(error.headers ?? {})) res.setHeader(name, value);
  const body: OAuthErrorBody = { error: code, error_description: error.message };
  res.status(ERROR_CATALOGUE[code].status).json(body);
};

/**
 * The OAuth 2.0 endpoints: one token endpoint (RFC 6749) at /auth/token, with /auth/login and
 * /auth/refresh as the same operation under the names the project always had; revocation (RFC 7009),
 * introspection (RFC 7662) and the authorization-server metadata (RFC 8414).
 */
export function oauthRoutes(deps: OAuthRouteDeps): Router {
  const router = Router();
  // Public endpoints, but still only through the gateway: its proof vouches for the client address the
  // login throttle counts, and nobody reaching the service directly skips the gateway's limits.
  const provenAnonymous = requireIdentity(deps.identitySecret, { allowAnonymous: true });
  const metadata = authorizationServerMetadata(deps.issuer, deps.scopes.supported);

  router.get(OAUTH_PATHS.metadata, (_req, res) => {
    res.set('Cache-Control', 'public, max-age=300').json(metadata);
  });

  for (const [path, grants] of Object.entries(tokenUrls)) {
    router.post(path, noStore, provenAnonymous, ...oauthBody, async (req, res) => {
      const fields = parseBody(clientFieldsBody, req.body);
      const grantType: unknown = fields.grant_type ?? grants.defaultGrant;
      if (grantType === undefined) throw AppError.oauth('invalid_request', 'Missing required field: grant_type');
      if (typeof grantType !== 'string') throw AppError.oauth('invalid_request', 'grant_type must be given once');
      // The client first: a client that fails to authenticate learns nothing about the grant.
      const client = deps.clients.authenticate(clientCredentialsOf(req, fields));
      if (grantType === 'password') {
        const input = parseBody(grants.password, req.body);
        res.json(await deps.sessions.login(input.username, input.password, clientAddressOf(req), { client, scope: input.scope }));
      } else if (grantType === 'refresh_token') {
        const input = parseBody(grants.refresh_token, req.body);
        res.json(await deps.sessions.refresh(input.refresh_token, { client, scope: input.scope }));
      } else {
        throw AppError.oauth('unsupported_grant_type', `grant_type ${grantType.slice(0, 64)} is not supported; use password or refresh_token`);
      }
    });
  }

  router.post(OAUTH_PATHS.revocation, noStore, provenAnonymous, ...oauthBody, async (req, res) => {
    const input = parseBody(revocationBody, req.body);
    const client = deps.clients.authenticate(clientCredentialsOf(req, input));
    await deps.sessions.revoke(input.token, hintOf(input.token_type_hint), client);
    res.status(200).end();
  });

  router.post(OAUTH_PATHS.introspection, noStore, provenAnonymous, ...oauthBody, async (req, res) => {
    const input = parseBody(introspectionBody, req.body);
    const credentials = clientCredentialsOf(req, input);
    const client = deps.clients.authenticate(credentials);
    // RFC 7662 section 2.1: only a protected resource the server knows may ask, or tokens could be probed.
    if (!client.introspect) {
      throw AppError.oauth('invalid_client', `Client ${client.id} may not introspect tokens: configure it in OAUTH_CLIENTS with "introspect": true`, {
        basicRealm: credentials.method === 'client_secret_basic' || credentials.method === 'none' ? CLIENT_REALM : undefined,
      });
    }
    res.json(await deps.sessions.introspect(input.token, hintOf(input.token_type_hint)));
  });

  router.use(oauthErrors);
  return router;
}

import type { ErrorRequestHandler, RequestHandler } from 'express';
import { z } from 'zod';
import {
  AppError,
  ERROR_CATALOGUE,
  errorBodyShape,
  isOAuthErrorCode,
  oauthErrorBodyShape,
  toAppError,
  type HeaderSpec,
  type OAuthErrorBody,
  type OAuthErrorCode,
  type Operation,
} from '@app/common';
import { CLIENT_REALM } from '../domain/clients';
import type { TokenTypeHint } from '../domain/sessions';
import type { AuthContext } from './auth-context';
import {
  authorizationServerMetadataAnswer,
  clientFieldsBody,
  introspectionAnswer,
  introspectionBody,
  revocationBody,
  tokenAnswer,
  tokenUrls,
} from './auth-contract';
import { clientAddressOf } from './client-identity';
import { clientCredentialsOf } from './client-credentials';
import { parseBody } from './request-body';

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
function withoutEmptyParameters(body: unknown): unknown {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return body;
  return Object.fromEntries(Object.entries(body).filter(([, value]) => value !== ''));
}

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

const tags = ['auth'];
const json = 'application/json';
const form = 'application/x-www-form-urlencoded';
const unsupported = 'Unsupported Content-Type';
const noStoreHeaders: Record<string, HeaderSpec> = {
  'Cache-Control': { schema: z.literal('no-store'), required: true },
  Pragma: { schema: z.literal('no-cache'), required: true },
};
const invalidClient = 'OAuth 2.0 error: invalid_client (a configured client sent a missing or wrong secret)';
/** Cacheable for 5 minutes: what gateways and client libraries fetch to configure themselves. */
export const publicForFiveMinutes: Record<string, HeaderSpec> = {
  'Cache-Control': { schema: z.literal('public, max-age=300'), required: true },
};

type OAuthEndpoint = Omit<Operation<AuthContext>, 'tags' | 'public' | 'body' | 'before' | 'onError' | 'errorBodies' | 'errorHeaders'> & {
  /** The request's parameters, form-encoded (as RFC 6749 requires) or JSON. */
  parameters: z.ZodType;
};

/**
 * An endpoint of the protocol: public (yet through the gateway), form or JSON parameters, never cached,
 * and its errors in the protocol's body. A 401 is the protocol's invalid_client, or (only when the
 * service is reached directly, never through the gateway) the project's refusal of a request without
 * the gateway's proof.
 */
function oauthEndpoint({ parameters, ...operation }: OAuthEndpoint): Operation<AuthContext> {
  return {
    ...operation,
    tags,
    public: true,
    body: { required: true, content: { [form]: parameters, [json]: parameters } },
    before: [noStore],
    onError: oauthErrors,
    errorBodies: { 400: oauthErrorBodyShape, 401: z.union([oauthErrorBodyShape, errorBodyShape]) },
    errorHeaders: {
      401: {
        'WWW-Authenticate': { description: 'Basic, when the client authenticated (or should have) with HTTP Basic', schema: { type: 'string' } },
      },
    },
  };
}

const TOKEN_DOCS = {
  '/auth/token': {
    operationId: 'token',
    summary: 'OAuth 2.0 token endpoint (RFC 6749): password and refresh_token grants',
    note: 'The URL the authorization-server metadata names. grant_type is required.',
  },
  '/auth/login': {
    operationId: 'login',
    summary: 'Log in with username and password (the token endpoint; grant_type defaults to password)',
    note: 'The same operation as /auth/token, kept where the seed and Swagger UI send it; grant_type may be left out and means password.',
  },
  '/auth/refresh': {
    operationId: 'refresh',
    summary: 'Exchange a refresh token for a new token pair (the token endpoint; grant_type defaults to refresh_token)',
    note: 'The same operation as /auth/token; grant_type may be left out and means refresh_token.',
  },
} as const;

/**
 * The token endpoint (RFC 6749) at /auth/token, with /auth/login and /auth/refresh as the same
 * operation under the names the project always had.
 */
const tokenOperations = Object.entries(tokenUrls).map(([path, grants]) => {
  const docs = TOKEN_DOCS[path as keyof typeof TOKEN_DOCS];
  return oauthEndpoint({
    method: 'post',
    path,
    operationId: docs.operationId,
    summary: docs.summary,
    description:
      `${docs.note} Form-encoded (as RFC 6749 requires) or JSON. A public client names itself with client_id; a configured client ` +
      'authenticates with HTTP Basic or client_id and client_secret. Each refresh token works once; presenting one that was already ' +
      'used revokes every token descended from the same login. Errors of the protocol are OAuth 2.0 bodies (`{"error","error_description"}`).',
    parameters: z.union([grants.password, grants.refresh_token]),
    responses: { 200: { description: 'Tokens issued', body: tokenAnswer, headers: noStoreHeaders } },
    errors: {
      400:
        'OAuth 2.0 error: invalid_request (a field missing, malformed or repeated), invalid_grant (wrong username or password; refresh ' +
        "token invalid, expired, used or revoked), unsupported_grant_type, invalid_scope, unauthorized_client (the refresh token is another client's)",
      401: invalidClient,
      415: unsupported,
      429: 'Too many failed logins for this username or address; wait for `Retry-After` seconds',
    },
    async handle(req, res, { clients, sessions }) {
      const body = withoutEmptyParameters(req.body);
      const fields = parseBody(clientFieldsBody, body);
      const grantType: unknown = fields.grant_type ?? grants.defaultGrant;
      if (grantType === undefined) throw AppError.oauth('invalid_request', 'Missing required field: grant_type');
      if (typeof grantType !== 'string') throw AppError.oauth('invalid_request', 'grant_type must be given once');
      // The client first: a client that fails to authenticate learns nothing about the grant.
      const client = clients.authenticate(clientCredentialsOf(req, fields));
      if (grantType === 'password') {
        const input = parseBody(grants.password, body);
        res.json(await sessions.login(input.username, input.password, clientAddressOf(req), { client, scope: input.scope }));
      } else if (grantType === 'refresh_token') {
        const input = parseBody(grants.refresh_token, body);
        res.json(await sessions.refresh(input.refresh_token, { client, scope: input.scope }));
      } else {
        throw AppError.oauth('unsupported_grant_type', `grant_type ${grantType.slice(0, 64)} is not supported; use password or refresh_token`);
      }
    },
  });
});

/** The OAuth 2.0 endpoints: token (RFC 6749), revocation (RFC 7009), introspection (RFC 7662), metadata (RFC 8414). */
export const oauthOperations: Operation<AuthContext>[] = [
  ...tokenOperations,
  oauthEndpoint({
    method: 'post',
    path: OAUTH_PATHS.revocation,
    operationId: 'revokeToken',
    summary: 'Revoke an access or refresh token (OAuth 2.0, RFC 7009)',
    description:
      'A refresh token ends its whole session, access tokens included; an access token is refused by every gateway until it expires. ' +
      'A token that is unknown, expired or already revoked is answered 200 too. A configured client authenticates as at the token endpoint.',
    parameters: revocationBody,
    responses: { 200: { description: 'Revoked, or nothing to revoke', headers: noStoreHeaders } },
    errors: {
      400: 'OAuth 2.0 error: invalid_request, or unauthorized_client (the token was issued to another client)',
      401: invalidClient,
      415: unsupported,
    },
    async handle(req, res, { clients, sessions }) {
      const input = parseBody(revocationBody, withoutEmptyParameters(req.body));
      const client = clients.authenticate(clientCredentialsOf(req, input));
      await sessions.revoke(input.token, hintOf(input.token_type_hint), client);
      res.status(200).end();
    },
  }),
  oauthEndpoint({
    method: 'post',
    path: OAUTH_PATHS.introspection,
    operationId: 'introspectToken',
    summary: 'What a token means now, for a resource server (OAuth 2.0, RFC 7662)',
    description:
      'Only for clients configured with `"introspect": true` in OAUTH_CLIENTS, authenticated with HTTP Basic or client_secret_post. ' +
      'An expired, revoked, used or unknown token is `{"active": false}`.',
    parameters: introspectionBody,
    responses: { 200: { description: "The token's state", body: introspectionAnswer, headers: noStoreHeaders } },
    errors: {
      400: 'OAuth 2.0 error: invalid_request',
      401: "OAuth 2.0 error: invalid_client (no, wrong, or not a resource server's client credentials)",
      415: unsupported,
      503: 'The revocation record (Redis) cannot be read: whether the token was revoked is unknown',
    },
    async handle(req, res, { clients, sessions }) {
      const input = parseBody(introspectionBody, withoutEmptyParameters(req.body));
      const credentials = clientCredentialsOf(req, input);
      const client = clients.authenticate(credentials);
      // RFC 7662 section 2.1: only a protected resource the server knows may ask, or tokens could be probed.
      if (!client.introspect) {
        throw AppError.oauth(
          'invalid_client',
          `Client ${client.id} may not introspect tokens: configure it in OAUTH_CLIENTS with "introspect": true`,
          { basicRealm: credentials.method === 'client_secret_basic' || credentials.method === 'none' ? CLIENT_REALM : undefined },
        );
      }
      res.json(await sessions.introspect(input.token, hintOf(input.token_type_hint)));
    },
  }),
  {
    method: 'get',
    path: OAUTH_PATHS.metadata,
    operationId: 'authorizationServerMetadata',
    summary: 'OAuth 2.0 authorization server metadata (RFC 8414)',
    description: "The issuer (the tokens' `iss`), its endpoints and the JWKS URL, for client libraries and gateways that configure themselves.",
    tags,
    public: true,
    withoutProof: true,
    responses: {
      200: { description: 'The metadata; cacheable for 5 minutes', body: authorizationServerMetadataAnswer, headers: publicForFiveMinutes },
    },
    handle(_req, res, { issuer, scopes }) {
      res.set('Cache-Control', 'public, max-age=300').json(authorizationServerMetadata(issuer, scopes.supported));
    },
  },
];

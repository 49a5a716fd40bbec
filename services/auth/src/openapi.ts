import { buildOpenApiDocument, errorBodyShape, oauthErrorBodyShape, type HeaderSpec, type OperationSpec } from '@app/common';
import { z } from 'zod';
import {
  authorizationServerMetadataAnswer,
  deleteAccountBody,
  introspectionAnswer,
  introspectionBody,
  jwkSetAnswer,
  logoutBody,
  registerBody,
  revocationBody,
  tokenAnswer,
  tokenUrls,
  userAnswer,
} from './http/auth-contract';
import { OAUTH_PATHS } from './http/oauth-routes';

const tags = ['auth'];
const noStore: Record<string, HeaderSpec> = {
  'Cache-Control': { schema: z.literal('no-store'), required: true },
  Pragma: { schema: z.literal('no-cache'), required: true },
};
const tokens = { 200: { description: 'Tokens issued', body: tokenAnswer, headers: noStore } };
const json = 'application/json';
const form = 'application/x-www-form-urlencoded';
const unsupported = 'Unsupported Content-Type';
// The protocol's own error body where OAuth 2.0 defines the error; the rest keep the project's.
// A 401 is the protocol's invalid_client, or (only when the service is reached directly, never through
// the gateway) the project's refusal of a request without the gateway's proof.
const oauthErrorBodies = { 400: oauthErrorBodyShape, 401: z.union([oauthErrorBodyShape, errorBodyShape]) };
const basicChallenge: Record<string, HeaderSpec> = {
  'WWW-Authenticate': { description: 'Basic, when the client authenticated (or should have) with HTTP Basic', schema: { type: 'string' } },
};

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

/** The token endpoint under each of its URLs. */
function tokenOperations(): OperationSpec[] {
  return Object.entries(tokenUrls).map(([path, grants]) => {
    const docs = TOKEN_DOCS[path as keyof typeof TOKEN_DOCS];
    const body = z.union([grants.password, grants.refresh_token]);
    return {
      method: 'post',
      path,
      operationId: docs.operationId,
      summary: docs.summary,
      description:
        `${docs.note} Form-encoded (as RFC 6749 requires) or JSON. A public client names itself with client_id; a configured client ` +
        'authenticates with HTTP Basic or client_id and client_secret. Each refresh token works once; presenting one that was already ' +
        'used revokes every token descended from the same login. Errors of the protocol are OAuth 2.0 bodies (`{"error","error_description"}`).',
      tags,
      public: true,
      body: { required: true, content: { [form]: body, [json]: body } },
      responses: tokens,
      errors: {
        400:
          'OAuth 2.0 error: invalid_request (a field missing, malformed or repeated), invalid_grant (wrong username or password; refresh ' +
          "token invalid, expired, used or revoked), unsupported_grant_type, invalid_scope, unauthorized_client (the refresh token is another client's)",
        401: 'OAuth 2.0 error: invalid_client (a configured client sent a missing or wrong secret)',
        415: unsupported,
        429: 'Too many failed logins for this username or address; wait for `Retry-After` seconds',
      },
      errorBodies: oauthErrorBodies,
      errorHeaders: { 401: basicChallenge },
    };
  });
}

/** Every operation of the auth service, as routed: the router's `Allow` headers come from here too. */
export const authOperations: OperationSpec[] = [
  {
    method: 'post',
    path: '/auth/register',
    operationId: 'register',
    summary: 'Create an account',
    tags,
    public: true,
    body: { required: true, content: { [json]: registerBody } },
    responses: { 201: { description: 'Account created', body: userAnswer } },
    errors: {
      // Only when the service is reached directly: through the gateway the proof is always there.
      401: "The gateway's identity proof is missing or wrong",
      409: 'Username already taken (regardless of case)',
      415: unsupported,
      429: 'Too many registrations from this address; wait for `Retry-After` seconds',
    },
  },
  ...tokenOperations(),
  {
    method: 'post',
    path: OAUTH_PATHS.revocation,
    operationId: 'revokeToken',
    summary: 'Revoke an access or refresh token (OAuth 2.0, RFC 7009)',
    description:
      'A refresh token ends its whole session, access tokens included; an access token is refused by every gateway until it expires. ' +
      'A token that is unknown, expired or already revoked is answered 200 too. A configured client authenticates as at the token endpoint.',
    tags,
    public: true,
    body: { required: true, content: { [form]: revocationBody, [json]: revocationBody } },
    responses: { 200: { description: 'Revoked, or nothing to revoke', headers: noStore } },
    errors: {
      400: 'OAuth 2.0 error: invalid_request, or unauthorized_client (the token was issued to another client)',
      401: 'OAuth 2.0 error: invalid_client (a configured client sent a missing or wrong secret)',
      415: unsupported,
    },
    errorBodies: oauthErrorBodies,
    errorHeaders: { 401: basicChallenge },
  },
  {
    method: 'post',
    path: OAUTH_PATHS.introspection,
    operationId: 'introspectToken',
    summary: 'What a token means now, for a resource server (OAuth 2.0, RFC 7662)',
    description:
      'Only for clients configured with `"introspect": true` in OAUTH_CLIENTS, authenticated with HTTP Basic or client_secret_post. ' +
      'An expired, revoked, used or unknown token is `{"active": false}`.',
    tags,
    public: true,
    body: { required: true, content: { [form]: introspectionBody, [json]: introspectionBody } },
    responses: { 200: { description: "The token's state", body: introspectionAnswer, headers: noStore } },
    errors: {
      400: 'OAuth 2.0 error: invalid_request',
      401: "OAuth 2.0 error: invalid_client (no, wrong, or not a resource server's client credentials)",
      415: unsupported,
      503: 'The revocation record (Redis) cannot be read: whether the token was revoked is unknown',
    },
    errorBodies: oauthErrorBodies,
    errorHeaders: { 401: basicChallenge },
  },
  {
    method: 'get',
    path: OAUTH_PATHS.metadata,
    operationId: 'authorizationServerMetadata',
    summary: 'OAuth 2.0 authorization server metadata (RFC 8414)',
    description: "The issuer (the tokens' `iss`), its endpoints and the JWKS URL, for client libraries and gateways that configure themselves.",
    tags,
    public: true,
    responses: {
      200: {
        description: 'The metadata; cacheable for 5 minutes',
        body: authorizationServerMetadataAnswer,
        headers: { 'Cache-Control': { schema: z.literal('public, max-age=300'), required: true } },
      },
    },
  },
  {
    method: 'post',
    path: '/auth/logout',
    operationId: 'logout',
    summary: 'Revoke the current access token and, optionally, a refresh token',
    tags,
    body: { required: false, content: { [json]: logoutBody } },
    responses: { 204: { description: 'Logged out' } },
    errors: { 415: unsupported },
  },
  {
    method: 'get',
    path: '/auth/me',
    operationId: 'getMe',
    summary: 'The current user',
    tags,
    responses: { 200: { description: 'The current user', body: userAnswer } },
    errors: { 404: 'The account no longer exists' },
  },
  {
    method: 'delete',
    path: '/auth/me',
    operationId: 'deleteMe',
    summary: 'Delete the current account, its tokens and (through events) its data',
    description: 'Requires the current password: a stolen access token alone cannot delete the account.',
    tags,
    body: { required: true, content: { [json]: deleteAccountBody } },
    responses: { 204: { description: 'Account deleted' } },
    errors: {
      401: 'Missing or invalid token, or the password is wrong',
      404: 'The account no longer exists',
      415: unsupported,
      429: 'Too many failed password checks for this account or address; wait for `Retry-After` seconds',
    },
  },
  {
    method: 'get',
    path: '/auth/.well-known/jwks.json',
    operationId: 'jwks',
    summary: 'Public keys that verify access tokens (JWK set)',
    tags,
    public: true,
    responses: {
      200: {
        description: 'The JWK set; cacheable for 5 minutes',
        body: jwkSetAnswer,
        headers: { 'Cache-Control': { schema: z.literal('public, max-age=300'), required: true } },
      },
    },
  },
];

/** The auth service's OpenAPI 3.1 document (served at /openapi.json, merged by the gateway). */
export function authOpenApi() {
  return buildOpenApiDocument({
    title: 'auth',
    description: 'Users, login, tokens and the JWKS.',
    tags: [{ name: 'auth', description: 'Accounts, tokens and keys' }],
    operations: authOperations,
  });
}

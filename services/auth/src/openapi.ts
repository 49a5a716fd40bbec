import { buildOpenApiDocument, type HeaderSpec, type OperationSpec } from '@app/common';
import { z } from 'zod';
import { deleteAccountBody, jwkSetAnswer, loginBody, logoutBody, refreshBody, registerBody, tokenAnswer, userAnswer } from './http/auth-contract';

const tags = ['auth'];
const noStore: Record<string, HeaderSpec> = { 'Cache-Control': { schema: z.literal('no-store'), required: true } };
const tokens = { 200: { description: 'Tokens issued', body: tokenAnswer, headers: noStore } };
const json = 'application/json';
const form = 'application/x-www-form-urlencoded';
const unsupported = 'Unsupported Content-Type';

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
  {
    method: 'post',
    path: '/auth/login',
    operationId: 'login',
    summary: 'Log in with username and password (OAuth2 password grant)',
    tags,
    public: true,
    body: { required: true, content: { [form]: loginBody, [json]: loginBody } },
    responses: tokens,
    errors: {
      401: 'Incorrect username or password (the same answer for both)',
      415: unsupported,
      429: 'Too many failed logins for this username or address; wait for `Retry-After` seconds',
    },
  },
  {
    method: 'post',
    path: '/auth/refresh',
    operationId: 'refresh',
    summary: 'Exchange a refresh token for a new token pair (the refresh token rotates)',
    description: 'Each refresh token works once. Presenting a refresh token that was already used revokes every token descended from the same login.',
    tags,
    public: true,
    body: { required: true, content: { [json]: refreshBody, [form]: refreshBody } },
    responses: tokens,
    errors: { 401: 'Refresh token invalid, expired, used or revoked', 415: unsupported },
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

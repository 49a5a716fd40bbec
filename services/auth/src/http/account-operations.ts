import type { Request } from 'express';
import { AppError, callerOf, type Operation } from '@app/common';
import type { AuthContext } from './auth-context';
import { deleteAccountBody, jwkSetAnswer, logoutBody, registerBody, userAnswer } from './auth-contract';
import { clientAddressOf } from './client-identity';
import { OAUTH_PATHS, publicForFiveMinutes } from './oauth-operations';
import { parseBody } from './request-body';

function bearerTokenOf(req: Request): string {
  const match = /^Bearer\s+([A-Za-z0-9._~+/=-]+)$/i.exec(req.headers.authorization ?? '');
  if (!match?.[1]) throw AppError.unauthorized('A bearer access token is required', 'invalid_token');
  return match[1];
}

const tags = ['auth'];
const json = 'application/json';
const unsupported = 'Unsupported Content-Type';

export const registerOperation: Operation<AuthContext> = {
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
  async handle(req, res, { accounts }) {
    const input = parseBody(registerBody, req.body);
    res.status(201).json(await accounts.register(input, clientAddressOf(req)));
  },
};

/** The caller's own account and session, and the keys that verify its tokens. */
export const accountOperations: Operation<AuthContext>[] = [
  {
    method: 'post',
    path: '/auth/logout',
    operationId: 'logout',
    summary: 'Revoke the current access token and, optionally, a refresh token',
    tags,
    body: { required: false, content: { [json]: logoutBody } },
    responses: { 204: { description: 'Logged out' } },
    errors: { 415: unsupported },
    async handle(req, res, { sessions }) {
      const caller = callerOf(req);
      const input = parseBody(logoutBody, req.body);
      await sessions.logout(caller.userId, bearerTokenOf(req), input.refresh_token);
      res.status(204).end();
    },
  },
  {
    method: 'get',
    path: '/auth/me',
    operationId: 'getMe',
    summary: 'The current user',
    tags,
    responses: { 200: { description: 'The current user', body: userAnswer } },
    errors: { 404: 'The account no longer exists' },
    async handle(req, res, { accounts }) {
      res.json(await accounts.profile(callerOf(req).userId));
    },
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
    async handle(req, res, { accounts }) {
      const input = parseBody(deleteAccountBody, req.body);
      await accounts.deleteAccount(callerOf(req).userId, input.password, clientAddressOf(req));
      res.status(204).end();
    },
  },
  {
    method: 'get',
    path: OAUTH_PATHS.jwks,
    operationId: 'jwks',
    summary: 'Public keys that verify access tokens (JWK set)',
    tags,
    public: true,
    // The gateway fetches the keys itself, before it can vouch for anyone.
    withoutProof: true,
    responses: { 200: { description: 'The JWK set; cacheable for 5 minutes', body: jwkSetAnswer, headers: publicForFiveMinutes } },
    handle(_req, res, { keys }) {
      res.set('Cache-Control', 'public, max-age=300').json(keys.jwks());
    },
  },
];

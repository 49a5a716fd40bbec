import { Router, type Request } from 'express';
import { AppError, allowedMethods, callerOf, methodNotAllowed, requireIdentity, type IdentityKeys } from '@app/common';
import type { Accounts } from '../domain/accounts';
import type { Sessions } from '../domain/sessions';
import type { KeyRing } from '../domain/signing-keys';
import { clientAddressOf } from './client-identity';
import { authOperations } from '../openapi';
import { deleteAccountBody, logoutBody, registerBody } from './auth-contract';
import { acceptBody, parseBody } from './request-body';

export interface AuthRouteDeps {
  identitySecret: IdentityKeys;
  accounts: Accounts;
  sessions: Sessions;
  keys: KeyRing;
}

function bearerTokenOf(req: Request): string {
  const match = /^Bearer\s+([A-Za-z0-9._~+/=-]+)$/i.exec(req.headers.authorization ?? '');
  if (!match?.[1]) throw AppError.unauthorized('A bearer access token is required', 'invalid_token');
  return match[1];
}

export function authRoutes(deps: AuthRouteDeps): Router {
  const router = Router();
  const proven = requireIdentity(deps.identitySecret);
  // The public routes still need the gateway's proof (of an anonymous caller): the client address the
  // limits count comes from the gateway, and nobody reaching the service directly can skip the gateway's limits.
  const provenAnonymous = requireIdentity(deps.identitySecret, { allowAnonymous: true });

  router.post('/auth/register', provenAnonymous, acceptBody('json'), async (req, res) => {
    const input = parseBody(registerBody, req.body);
    res.status(201).json(await deps.accounts.register(input, clientAddressOf(req)));
  });

  router.post('/auth/logout', proven, acceptBody('json'), async (req, res) => {
    const caller = callerOf(req);
    const input = parseBody(logoutBody, req.body);
    await deps.sessions.logout(caller.userId, bearerTokenOf(req), input.refresh_token);
    res.status(204).end();
  });

  router.get('/auth/me', proven, async (req, res) => {
    res.json(await deps.accounts.profile(callerOf(req).userId));
  });

  router.delete('/auth/me', proven, acceptBody('json'), async (req, res) => {
    const input = parseBody(deleteAccountBody, req.body);
    await deps.accounts.deleteAccount(callerOf(req).userId, input.password, clientAddressOf(req));
    res.status(204).end();
  });

  router.get('/auth/.well-known/jwks.json', (_req, res) => {
    res.set('Cache-Control', 'public, max-age=300').json(deps.keys.jwks());
  });

  // After every route: a known path asked with a method it does not have.
  for (const [path, allow] of allowedMethods(authOperations)) router.all(path, methodNotAllowed(allow));

  return router;
}

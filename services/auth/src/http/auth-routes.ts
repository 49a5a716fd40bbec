import { operationRouter, type IdentityKeys, type Operation } from '@app/common';
import type { Router } from 'express';
import type { AuthContext } from './auth-context';
import { accountOperations, registerOperation } from './account-operations';
import { oauthOperations } from './oauth-operations';

/** Every operation of the auth service: its routes and its OpenAPI document are both made from this list. */
export const authOperations: Operation<AuthContext>[] = [registerOperation, ...oauthOperations, ...accountOperations];

export interface AuthRouteDeps extends AuthContext {
  identitySecret: IdentityKeys;
}

/** The auth service's routes, one per operation. */
export function authRoutes({ identitySecret, ...context }: AuthRouteDeps): Router {
  return operationRouter(authOperations, context, { identity: identitySecret });
}

import { buildOpenApiDocument } from '@app/common';
import { authOperations } from './http/auth-routes';

/** The auth service's OpenAPI 3.1 document (served at /openapi.json, merged by the gateway). */
export function authOpenApi() {
  return buildOpenApiDocument({
    title: 'auth',
    description: 'Users, login, tokens and the JWKS.',
    tags: [{ name: 'auth', description: 'Accounts, tokens and keys' }],
    operations: authOperations,
  });
}

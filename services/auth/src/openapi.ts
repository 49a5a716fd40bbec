import { errorBodySchema } from '@app/common';
import { PASSWORD_MAX, PASSWORD_MIN, USERNAME_MAX, USERNAME_MIN } from './domain/account-rules';

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const errorResponse = (description: string, headers?: Record<string, unknown>) => ({
  description,
  ...(headers ? { headers } : {}),
  content: { 'application/json': { schema: ref('Error') } },
});
const wwwAuthenticate = { 'WWW-Authenticate': { schema: { type: 'string', example: 'Bearer' } } };
const retryAfter = {
  'Retry-After': { description: 'Seconds to wait before trying again', schema: { type: 'integer', minimum: 1 } },
};
const noStore = { 'Cache-Control': { schema: { type: 'string', const: 'no-store' } } };

const errors = {
  400: errorResponse('Invalid input; the message and details name the fields'),
  401: errorResponse('Missing, invalid or expired credentials', wwwAuthenticate),
  404: errorResponse('Not found'),
  409: errorResponse('Username already taken'),
  413: errorResponse('Request body too large (limit 16 kB)'),
  415: errorResponse('Unsupported Content-Type'),
  429: errorResponse('Too many failed attempts', retryAfter),
  503: errorResponse('A dependency (database) is unavailable'),
};

const tokenResponses = {
  200: {
    description: 'Tokens issued',
    headers: noStore,
    content: { 'application/json': { schema: ref('TokenResponse') } },
  },
};

/** The auth service's part of the gateway's OpenAPI 3.1 document: its paths and components. */
export const openApiFragment = {
  openapi: '3.1.0',
  info: { title: 'auth', version: '0.1.0', description: 'Users, login, tokens and the JWKS.' },
  paths: {
    '/auth/register': {
      post: {
        tags: ['auth'],
        summary: 'Create an account',
        operationId: 'register',
        requestBody: {
          required: true,
          content: { 'application/json': { schema: ref('RegisterRequest') } },
        },
        responses: {
          201: { description: 'Account created', content: { 'application/json': { schema: ref('User') } } },
          400: errors[400],
          409: errors[409],
          413: errors[413],
          415: errors[415],
          429: errorResponse('Too many registrations from this address', retryAfter),
          503: errors[503],
        },
      },
    },
    '/auth/login': {
      post: {
        tags: ['auth'],
        summary: 'Log in with username and password (OAuth2 password grant)',
        operationId: 'login',
        requestBody: {
          required: true,
          content: {
            'application/x-www-form-urlencoded': { schema: ref('LoginRequest') },
            'application/json': { schema: ref('LoginRequest') },
          },
        },
        responses: {
          ...tokenResponses,
          400: errors[400],
          401: errorResponse('Incorrect username or password (the same answer for both)', wwwAuthenticate),
          413: errors[413],
          415: errors[415],
          429: errors[429],
          503: errors[503],
        },
      },
    },
    '/auth/refresh': {
      post: {
        tags: ['auth'],
        summary: 'Exchange a refresh token for a new token pair (the refresh token rotates)',
        description:
          'Each refresh token works once. Presenting a refresh token that was already used revokes every token descended from the same login.',
        operationId: 'refresh',
        requestBody: {
          required: true,
          content: {
            'application/json': { schema: ref('RefreshRequest') },
            'application/x-www-form-urlencoded': { schema: ref('RefreshRequest') },
          },
        },
        responses: {
          ...tokenResponses,
          400: errors[400],
          401: errorResponse('Refresh token invalid, expired, used or revoked', wwwAuthenticate),
          413: errors[413],
          415: errors[415],
          503: errors[503],
        },
      },
    },
    '/auth/logout': {
      post: {
        tags: ['auth'],
        summary: 'Revoke the current access token and, optionally, a refresh token',
        operationId: 'logout',
        security: [{ OAuth2PasswordBearer: [] }],
        requestBody: {
          required: false,
          content: { 'application/json': { schema: ref('LogoutRequest') } },
        },
        responses: {
          204: { description: 'Logged out' },
          400: errors[400],
          401: errors[401],
          413: errors[413],
          415: errors[415],
          503: errors[503],
        },
      },
    },
    '/auth/me': {
      get: {
        tags: ['auth'],
        summary: 'The current user',
        operationId: 'getMe',
        security: [{ OAuth2PasswordBearer: [] }],
        responses: {
          200: { description: 'The current user', content: { 'application/json': { schema: ref('User') } } },
          401: errors[401],
          404: errorResponse('The account no longer exists'),
          503: errors[503],
        },
      },
      delete: {
        tags: ['auth'],
        summary: 'Delete the current account, its tokens and (through events) its data',
        description: 'Requires the current password: a stolen access token alone cannot delete the account.',
        operationId: 'deleteMe',
        security: [{ OAuth2PasswordBearer: [] }],
        requestBody: {
          required: true,
          content: { 'application/json': { schema: ref('DeleteAccountRequest') } },
        },
        responses: {
          204: { description: 'Account deleted' },
          400: errors[400],
          401: errorResponse('Missing or invalid credentials, or the password is not correct', wwwAuthenticate),
          404: errorResponse('The account no longer exists'),
          415: errors[415],
          429: errors[429],
          503: errors[503],
        },
      },
    },
    '/auth/.well-known/jwks.json': {
      get: {
        tags: ['auth'],
        summary: 'Public keys that verify access tokens (JWK set)',
        operationId: 'jwks',
        responses: {
          200: {
            description: 'The JWK set; cacheable for 5 minutes',
            headers: { 'Cache-Control': { schema: { type: 'string', const: 'public, max-age=300' } } },
            content: { 'application/json': { schema: ref('JwkSet') } },
          },
        },
      },
    },
  },
  components: {
    securitySchemes: {
      OAuth2PasswordBearer: {
        type: 'oauth2',
        description: 'Access token from /auth/login, sent as "Authorization: Bearer <token>"',
        flows: { password: { tokenUrl: '/auth/login', refreshUrl: '/auth/refresh', scopes: {} } },
      },
    },
    schemas: {
      Error: errorBodySchema,
      DeleteAccountRequest: {
        type: 'object',
        additionalProperties: false,
        required: ['password'],
        properties: { password: { type: 'string', minLength: 1, maxLength: 1024, format: 'password' } },
      },
      RegisterRequest: {
        type: 'object',
        additionalProperties: false,
        required: ['username', 'password'],
        properties: {
          username: {
            type: 'string',
            minLength: USERNAME_MIN,
            maxLength: USERNAME_MAX,
            pattern: '^[a-zA-Z0-9_.-]+$',
            description: 'Unique regardless of case',
            examples: ['anurag'],
          },
          password: { type: 'string', minLength: PASSWORD_MIN, maxLength: PASSWORD_MAX, format: 'password' },
        },
      },
      LoginRequest: {
        type: 'object',
        additionalProperties: false,
        required: ['username', 'password'],
        properties: {
          username: { type: 'string', minLength: 1, maxLength: 256, examples: ['anurag'] },
          password: { type: 'string', minLength: 1, maxLength: 1024, format: 'password' },
          grant_type: { type: 'string', const: 'password' },
          scope: { type: 'string', maxLength: 1024, description: 'Accepted and ignored' },
          client_id: { type: 'string', maxLength: 256, description: 'Accepted and ignored' },
          client_secret: { type: 'string', maxLength: 256, description: 'Accepted and ignored' },
        },
      },
      RefreshRequest: {
        type: 'object',
        additionalProperties: false,
        required: ['refresh_token'],
        properties: {
          refresh_token: { type: 'string', minLength: 1, maxLength: 512 },
          grant_type: { type: 'string', const: 'refresh_token' },
        },
      },
      LogoutRequest: {
        type: 'object',
        additionalProperties: false,
        properties: { refresh_token: { type: 'string', minLength: 1, maxLength: 512 } },
      },
      TokenResponse: {
        type: 'object',
        required: ['access_token', 'token_type', 'expires_in', 'refresh_token'],
        properties: {
          access_token: { type: 'string', description: 'JWT (RS256/ES256, kid header), 20 minutes' },
          token_type: { type: 'string', const: 'bearer' },
          expires_in: { type: 'integer', description: 'Seconds until the access token expires', examples: [1200] },
          refresh_token: { type: 'string', description: 'Opaque, single use; rotates on every refresh' },
        },
      },
      User: {
        type: 'object',
        required: ['id', 'username', 'createdAt'],
        properties: {
          id: { type: 'string' },
          username: { type: 'string' },
          createdAt: { type: 'string', format: 'date-time' },
        },
      },
      JwkSet: {
        type: 'object',
        required: ['keys'],
        properties: {
          keys: {
            type: 'array',
            items: {
              type: 'object',
              required: ['kty', 'kid', 'alg', 'use'],
              properties: {
                kty: { type: 'string', enum: ['RSA', 'EC'] },
                kid: { type: 'string', description: 'RFC 7638 JWK thumbprint' },
                alg: { type: 'string', enum: ['RS256', 'ES256'] },
                use: { type: 'string', const: 'sig' },
                n: { type: 'string' },
                e: { type: 'string' },
                crv: { type: 'string' },
                x: { type: 'string' },
                y: { type: 'string' },
              },
            },
          },
        },
      },
    },
  },
} as const;

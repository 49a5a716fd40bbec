import { z } from 'zod';
import { passwordRule, usernameRule } from '../domain/account-rules';

// The auth routes' requests and answers as zod schemas: the routes validate with the request
// schemas, and the OpenAPI document is made from all of them.

export const registerBody = z
  .strictObject({
    username: usernameRule.meta({ description: 'Unique regardless of case', examples: ['anurag'] }),
    password: passwordRule.meta({ format: 'password' }),
  })
  .meta({ id: 'RegisterRequest' });

// Login takes any string the user typed (bounded): a name that could never register is just a 401.
// The optional fields are those of the OAuth2 password grant form (RFC 6749 section 4.3).
export const loginBody = z
  .strictObject({
    username: z
      .string()
      .min(1, 'must not be empty')
      .max(256)
      .meta({ examples: ['anurag'] }),
    password: z.string().min(1, 'must not be empty').max(1024).meta({ format: 'password' }),
    grant_type: z.literal('password').optional(),
    scope: z.string().max(1024).optional().meta({ description: 'Accepted and ignored' }),
    client_id: z.string().max(256).optional().meta({ description: 'Accepted and ignored' }),
    client_secret: z.string().max(256).optional().meta({ description: 'Accepted and ignored' }),
  })
  .meta({ id: 'LoginRequest' });

const refreshTokenField = z.string().min(1, 'must not be empty').max(512);
export const refreshBody = z
  .strictObject({
    refresh_token: refreshTokenField,
    grant_type: z.literal('refresh_token').optional(),
  })
  .meta({ id: 'RefreshRequest' });
export const logoutBody = z.strictObject({ refresh_token: refreshTokenField.optional() }).meta({ id: 'LogoutRequest' });

// Deleting the account asks for the password again: a stolen access token alone must not destroy it.
export const deleteAccountBody = z
  .strictObject({ password: z.string().min(1, 'must not be empty').max(1024).meta({ format: 'password' }) })
  .meta({ id: 'DeleteAccountRequest' });

export const userAnswer = z.object({ id: z.string(), username: z.string(), createdAt: z.iso.datetime() }).meta({ id: 'User' });

export const tokenAnswer = z
  .object({
    access_token: z.string().meta({ description: 'JWT (RS256/ES256, kid header), 20 minutes' }),
    token_type: z.literal('bearer'),
    expires_in: z
      .number()
      .int()
      .min(1)
      .meta({ description: 'Seconds until the access token expires', examples: [1200] }),
    refresh_token: z.string().meta({ description: 'Opaque, single use; rotates on every refresh' }),
  })
  .meta({ id: 'TokenResponse' });

export const jwkSetAnswer = z
  .object({
    keys: z.array(
      z.object({
        kty: z.enum(['RSA', 'EC']),
        kid: z.string().meta({ description: 'RFC 7638 JWK thumbprint' }),
        alg: z.enum(['RS256', 'ES256']),
        use: z.literal('sig'),
        n: z.string().optional(),
        e: z.string().optional(),
        crv: z.string().optional(),
        x: z.string().optional(),
        y: z.string().optional(),
      }),
    ),
  })
  .meta({ id: 'JwkSet' });

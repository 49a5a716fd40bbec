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

// The OAuth 2.0 token endpoint's requests (RFC 6749 sections 4.3 and 6). Unknown parameters are
// ignored, as section 3.2 requires of the server (form parameters are strings, so a JSON body's
// unknown fields must be strings too); a repeated one arrives as a list and is refused.
// Login takes any string the user typed (bounded): a name that could never register is just invalid_grant.
const username = z
  .string()
  .min(1, 'must not be empty')
  .max(256)
  .meta({ examples: ['anurag'] });
const password = z.string().min(1, 'must not be empty').max(1024).meta({ format: 'password' });
const refreshTokenField = z.string().min(1, 'must not be empty').max(512);
/** An optional OAuth 2.0 parameter: a bounded string, documented. */
const optionalParameter = (max: number, description: string) => z.string().max(max).optional().meta({ description });

const scope = optionalParameter(1024, 'Space-separated scopes (RFC 6749 section 3.3); every supported scope when omitted. Echoed in the answer.');
const clientFields = {
  // No minimum: an empty parameter counts as one left out (RFC 6749 section 3.1), so "" is valid here.
  client_id: z.string().max(256).optional().meta({
    description: 'The client. A public client just names itself; a configured client also proves its secret. Empty counts as omitted.',
  }),
  client_secret: z
    .string()
    .max(512)
    .optional()
    .meta({ format: 'password', description: 'client_secret_post; or send both as HTTP Basic instead (client_secret_basic)' }),
};

/** An OAuth 2.0 request's parameters: the named ones, and any other string, ignored. */
function oauthParameters<T extends z.ZodRawShape>(shape: T) {
  return z.object(shape).catchall(z.string());
}

/** The client fields alone, read before the grant so that client authentication comes first. */
export const clientFieldsBody = oauthParameters(clientFields);

const passwordGrant = { username, password, scope, ...clientFields };
const refreshGrant = { refresh_token: refreshTokenField, scope, ...clientFields };

export const passwordGrantBody = oauthParameters({ grant_type: z.literal('password'), ...passwordGrant }).meta({
  id: 'PasswordGrantRequest',
  description: 'Resource owner password credentials grant (RFC 6749 section 4.3)',
});
export const refreshGrantBody = oauthParameters({ grant_type: z.literal('refresh_token'), ...refreshGrant }).meta({
  id: 'RefreshTokenGrantRequest',
  description: 'Refresh grant (RFC 6749 section 6); the refresh token rotates',
});
/** /auth/login: the seed's form, where grant_type may be left out and means `password`. */
export const loginGrantBody = oauthParameters({ grant_type: z.literal('password').optional(), ...passwordGrant }).meta({
  id: 'LoginRequest',
  description: 'The password grant; grant_type defaults to password here',
});
/** /auth/refresh: grant_type may be left out and means `refresh_token`. */
export const refreshAliasBody = oauthParameters({ grant_type: z.literal('refresh_token').optional(), ...refreshGrant }).meta({
  id: 'RefreshRequest',
  description: 'The refresh grant; grant_type defaults to refresh_token here',
});

/** Each token URL's grants, the one a missing grant_type means, and the body documented for it. */
export const tokenUrls = {
  '/auth/token': { defaultGrant: undefined, password: passwordGrantBody, refresh_token: refreshGrantBody },
  '/auth/login': { defaultGrant: 'password', password: loginGrantBody, refresh_token: refreshGrantBody },
  '/auth/refresh': { defaultGrant: 'refresh_token', password: passwordGrantBody, refresh_token: refreshAliasBody },
} as const;

const tokenField = z.string().min(1, 'must not be empty').max(8192);
const tokenTypeHint = optionalParameter(64, 'access_token or refresh_token: where to look first; any other value is ignored');
export const revocationBody = oauthParameters({ token: tokenField, token_type_hint: tokenTypeHint, ...clientFields }).meta({
  id: 'RevocationRequest',
  description: 'RFC 7009 section 2.1',
});
export const introspectionBody = oauthParameters({ token: tokenField, token_type_hint: tokenTypeHint, ...clientFields }).meta({
  id: 'IntrospectionRequest',
  description: 'RFC 7662 section 2.1',
});

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
    scope: z.string().meta({ description: 'The scope granted: what was asked for, or every supported scope', examples: ['api'] }),
  })
  .meta({ id: 'TokenResponse' });

export const introspectionAnswer = z
  .object({
    active: z.boolean(),
    scope: z.string().optional(),
    client_id: z.string().optional(),
    username: z.string().optional(),
    token_type: z.enum(['Bearer', 'refresh_token']).optional(),
    exp: z.number().int().optional(),
    iat: z.number().int().optional(),
    sub: z.string().optional(),
    aud: z.union([z.string(), z.array(z.string())]).optional(),
    iss: z.string().optional(),
    jti: z.string().optional(),
  })
  .meta({ id: 'IntrospectionResponse', description: 'RFC 7662 section 2.2: only `active` when the token is not active' });

export const authorizationServerMetadataAnswer = z
  .object({
    issuer: z.string(),
    token_endpoint: z.string(),
    revocation_endpoint: z.string(),
    introspection_endpoint: z.string(),
    jwks_uri: z.string(),
    grant_types_supported: z.array(z.string()),
    response_types_supported: z.array(z.string()),
    token_endpoint_auth_methods_supported: z.array(z.string()),
    revocation_endpoint_auth_methods_supported: z.array(z.string()),
    introspection_endpoint_auth_methods_supported: z.array(z.string()),
    scopes_supported: z.array(z.string()),
    service_documentation: z.string(),
  })
  .meta({ id: 'AuthorizationServerMetadata', description: 'RFC 8414 section 2' });

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

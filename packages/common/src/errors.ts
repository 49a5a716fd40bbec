/**
 * Every `code` an error body carries, in one place, so that a code is never a string typed twice:
 * AppError and errorBody take only these, and a typo is a type error.
 */
export const ErrorCode = {
  // Any service
  badRequest: 'bad_request',
  validationFailed: 'validation_failed',
  unauthorized: 'unauthorized',
  identityProofInvalid: 'identity_proof_invalid',
  forbidden: 'forbidden',
  notFound: 'not_found',
  methodNotAllowed: 'method_not_allowed',
  conflict: 'conflict',
  preconditionFailed: 'precondition_failed',
  payloadTooLarge: 'payload_too_large',
  unsupportedMediaType: 'unsupported_media_type',
  requestAborted: 'request_aborted',
  tooManyRequests: 'too_many_requests',
  serviceUnavailable: 'service_unavailable',
  atCapacity: 'at_capacity',
  notReady: 'not_ready',
  internalError: 'internal_error',
  invalidEvent: 'invalid_event',
  // Tokens and accounts (auth, and the gateway's token check)
  missingToken: 'missing_token',
  invalidToken: 'invalid_token',
  tokenExpired: 'token_expired',
  tokenTooLarge: 'token_too_large',
  tokenRevoked: 'token_revoked',
  invalidCredentials: 'invalid_credentials',
  usernameTaken: 'username_taken',
  // OAuth 2.0 (RFC 6749 section 5.2, RFC 7009 section 2.2.1): the token, revocation and introspection
  // endpoints answer these in the protocol's own body (`{"error","error_description"}`).
  invalidRequest: 'invalid_request',
  invalidClient: 'invalid_client',
  invalidGrant: 'invalid_grant',
  unauthorizedClient: 'unauthorized_client',
  unsupportedGrantType: 'unsupported_grant_type',
  invalidScope: 'invalid_scope',
  unsupportedTokenType: 'unsupported_token_type',
  // The gateway's edge and its upstreams
  invalidRequestTarget: 'invalid_request_target',
  uriTooLong: 'uri_too_long',
  badGateway: 'bad_gateway',
  upstreamTimeout: 'upstream_timeout',
  // Records
  idempotencyKeyReused: 'idempotency_key_reused',
  idempotencyKeyInProgress: 'idempotency_key_in_progress',
  // QA
  quotaExceeded: 'quota_exceeded',
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** The codes OAuth 2.0 defines for its token endpoint (RFC 6749 section 5.2) and revocation (RFC 7009). */
export const OAUTH_ERROR_CODES = [
  'invalid_request',
  'invalid_client',
  'invalid_grant',
  'unauthorized_client',
  'unsupported_grant_type',
  'invalid_scope',
  'unsupported_token_type',
] as const satisfies readonly ErrorCode[];

export type OAuthErrorCode = (typeof OAUTH_ERROR_CODES)[number];

const OAUTH_ERROR_CODE_SET: ReadonlySet<string> = new Set(OAUTH_ERROR_CODES);

/** Whether a code is one of OAuth 2.0's token-endpoint errors. */
export function isOAuthErrorCode(code: string): code is OAuthErrorCode {
  return OAUTH_ERROR_CODE_SET.has(code);
}

// The codes that say a bearer token was sent and is no good: RFC 6750 section 3.1's `invalid_token`.
const BAD_TOKEN_CODES: ReadonlySet<string> = new Set<ErrorCode>(['invalid_token', 'token_expired', 'token_revoked', 'token_too_large']);

/** RFC 6750 section 3's challenge: bare `Bearer` when no token came, `error="invalid_token"` when a bad one did. */
export function bearerChallenge(code: ErrorCode, message: string): string {
  if (!BAD_TOKEN_CODES.has(code)) return 'Bearer';
  // A quoted-string may not hold `"` or `\` unescaped, nor (by RFC 6750) any character outside printable ASCII.
  const description = message.replace(/[^\x20-\x7e]/g, '').replace(/["\\]/g, "'");
  return `Bearer error="invalid_token", error_description="${description}"`;
}

/** The one error type the services throw on purpose; anything else reaching a handler is a bug (500). */
export class AppError extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
    readonly headers?: Record<string, string>,
  ) {
    super(message);
    this.name = 'AppError';
  }

  /** Operational errors are expected (bad input, missing record); the process keeps running. */
  get operational(): boolean {
    return this.status < 500 || this.status === 502 || this.status === 503 || this.status === 504;
  }

  static badRequest(message: string, details?: unknown) {
    return new AppError(400, 'bad_request', message, details);
  }
  static validation(message: string, details?: unknown) {
    return new AppError(400, 'validation_failed', message, details);
  }
  static unauthorized(message = 'Authentication required', code: ErrorCode = 'unauthorized') {
    return new AppError(401, code, message, undefined, { 'WWW-Authenticate': bearerChallenge(code, message) });
  }
  /**
   * An OAuth 2.0 error (RFC 6749 section 5.2): 400, except `invalid_client`, which is 401 and, when
   * the client authenticated with HTTP Basic, challenges for Basic again.
   */
  static oauth(code: OAuthErrorCode, description: string, options: { basicRealm?: string } = {}) {
    if (code !== 'invalid_client') return new AppError(400, code, description);
    const headers = options.basicRealm ? { 'WWW-Authenticate': `Basic realm="${options.basicRealm}", charset="UTF-8"` } : undefined;
    return new AppError(401, code, description, undefined, headers);
  }
  static forbidden(message = 'Forbidden') {
    return new AppError(403, 'forbidden', message);
  }
  static notFound(message = 'Not found') {
    return new AppError(404, 'not_found', message);
  }
  static conflict(message: string, code: ErrorCode = 'conflict') {
    return new AppError(409, code, message);
  }
  static preconditionFailed(message = 'The resource changed since it was read') {
    return new AppError(412, 'precondition_failed', message);
  }
  static payloadTooLarge(message = 'Request body is too large') {
    return new AppError(413, 'payload_too_large', message);
  }
  static unsupportedMediaType(message: string) {
    return new AppError(415, 'unsupported_media_type', message);
  }
  static tooManyRequests(retryAfterSeconds: number, message = 'Too many requests') {
    return new AppError(429, 'too_many_requests', message, undefined, {
      'Retry-After': String(Math.max(1, Math.ceil(retryAfterSeconds))),
    });
  }
  /** 503 with Retry-After: this instance holds as many long-held requests (waits, streams) as it may. */
  static atCapacity(retryAfterSeconds: number, message: string, details?: unknown) {
    return new AppError(503, 'at_capacity', message, details, { 'Retry-After': String(Math.max(1, Math.ceil(retryAfterSeconds))) });
  }
  static unavailable(dependency: string) {
    return new AppError(503, 'service_unavailable', `A dependency is unavailable: ${dependency}`, {
      dependency,
    });
  }
}

export interface ErrorBody {
  error: { code: string; message: string; requestId?: string; details?: unknown };
}

/** RFC 6749 section 5.2's error body, which the OAuth 2.0 endpoints answer instead of ErrorBody. */
export interface OAuthErrorBody {
  error: OAuthErrorCode;
  error_description: string;
}

/** The JSON body every part of the system answers errors with. */
export function errorBody(code: ErrorCode, message: string, requestId?: string, details?: unknown): ErrorBody {
  return {
    error: {
      code,
      message,
      ...(requestId ? { requestId } : {}),
      ...(details === undefined ? {} : { details }),
    },
  };
}

/** What the catalogue holds for a code: the HTTP status it always answers with and its default message. */
export interface ErrorSpec {
  readonly status: number;
  readonly message: string;
}

/**
 * Every error the system answers, in one place (as fastify's error catalogue does): each `code`
 * is bound to one status and a default message, so a code's status is never decided where it is
 * thrown, and a code is never a string typed twice — AppError and errorBody take only these, and a
 * typo is a type error.
 */
export const ERROR_CATALOGUE = {
  // Any service
  bad_request: { status: 400, message: 'Bad request' },
  validation_failed: { status: 400, message: 'The request is not valid' },
  request_aborted: { status: 400, message: 'The request was aborted' },
  unauthorized: { status: 401, message: 'Authentication required' },
  identity_proof_invalid: { status: 401, message: 'Request refused: the identity proof is not valid' },
  forbidden: { status: 403, message: 'Forbidden' },
  not_found: { status: 404, message: 'Not found' },
  method_not_allowed: { status: 405, message: 'Method not allowed' },
  conflict: { status: 409, message: 'The request conflicts with the current state' },
  precondition_failed: { status: 412, message: 'The resource changed since it was read' },
  payload_too_large: { status: 413, message: 'Request body is too large' },
  unsupported_media_type: { status: 415, message: 'Unsupported media type' },
  too_many_requests: { status: 429, message: 'Too many requests' },
  internal_error: { status: 500, message: 'Internal server error' },
  invalid_event: { status: 500, message: 'An event does not match its schema' },
  service_unavailable: { status: 503, message: 'A dependency is unavailable' },
  at_capacity: { status: 503, message: 'This instance holds as many long requests as it may' },
  not_ready: { status: 503, message: 'Not ready' },
  // Tokens and accounts (auth, and the gateway's token check)
  missing_token: { status: 401, message: 'Missing bearer token' },
  invalid_token: { status: 401, message: 'The access token is invalid' },
  token_expired: { status: 401, message: 'The access token has expired' },
  token_too_large: { status: 401, message: 'The access token is too large' },
  token_revoked: { status: 401, message: 'Token has been revoked' },
  invalid_credentials: { status: 401, message: 'Incorrect username or password' },
  username_taken: { status: 409, message: 'This username is already taken' },
  // OAuth 2.0 (RFC 6749 section 5.2, RFC 7009 section 2.2.1): the token, revocation and introspection
  // endpoints answer these in the protocol's own body (`{"error","error_description"}`). All are
  // 400 but `invalid_client`, which is 401 (RFC 6749 section 5.2).
  invalid_request: { status: 400, message: 'The request is missing a parameter or is malformed' },
  invalid_client: { status: 401, message: 'Client authentication failed' },
  invalid_grant: { status: 400, message: 'The grant is invalid, expired or revoked' },
  unauthorized_client: { status: 400, message: 'The client may not use this grant type' },
  unsupported_grant_type: { status: 400, message: 'The grant type is not supported' },
  invalid_scope: { status: 400, message: 'The requested scope is invalid' },
  unsupported_token_type: { status: 400, message: 'The token type is not supported' },
  // The gateway's edge and its upstreams
  invalid_request_target: { status: 400, message: 'The request target is not valid' },
  uri_too_long: { status: 414, message: 'The request target is too long' },
  bad_gateway: { status: 502, message: 'The upstream service is unavailable' },
  upstream_timeout: { status: 504, message: 'The upstream service did not answer in time' },
  // Records
  idempotency_key_reused: { status: 422, message: 'Idempotency-Key was already used with a different request body' },
  idempotency_key_in_progress: { status: 409, message: 'A request with this Idempotency-Key is still in progress' },
  // QA
  quota_exceeded: { status: 429, message: 'Quota exceeded' },
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;

/** Every catalogued code, in catalogue order (for OpenAPI enums and tests). */
export const ERROR_CODES = Object.keys(ERROR_CATALOGUE) as ErrorCode[];

// Only a cast can bring an uncatalogued code here; it is a bug, said at once rather than as a 500 without a status.
function specOf(code: ErrorCode): ErrorSpec {
  if (!isErrorCode(code)) throw new TypeError(`${String(code)} is not in the error catalogue`);
  return ERROR_CATALOGUE[code];
}

/** Whether a string is a catalogued code. */
export function isErrorCode(code: string): code is ErrorCode {
  return Object.hasOwn(ERROR_CATALOGUE, code);
}

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

/** What an AppError may carry besides its code and message. */
export interface AppErrorOptions {
  /** Machine-readable detail for the body's `details`. */
  readonly details?: unknown;
  /** Headers the answer must carry (`WWW-Authenticate`, `Retry-After`, `Allow`). */
  readonly headers?: Record<string, string>;
}

/**
 * The one error type the services throw on purpose; anything else reaching a handler is a bug (500).
 * Its status comes from the catalogue, never from the thrower.
 */
export class AppError extends Error {
  readonly status: number;
  readonly details?: unknown;
  readonly headers?: Record<string, string>;

  constructor(
    readonly code: ErrorCode,
    message?: string,
    options: AppErrorOptions = {},
  ) {
    super(message ?? specOf(code).message);
    this.name = 'AppError';
    this.status = specOf(code).status;
    this.details = options.details;
    this.headers = options.headers;
  }

  /** Operational errors are expected (bad input, missing record); the process keeps running. */
  get operational(): boolean {
    return this.status < 500 || this.status === 502 || this.status === 503 || this.status === 504;
  }

  static badRequest(message: string, details?: unknown) {
    return new AppError('bad_request', message, { details });
  }
  static validation(message: string, details?: unknown) {
    return new AppError('validation_failed', message, { details });
  }
  /** 401 with RFC 6750's challenge; `code` names what was wrong with the credentials. */
  static unauthorized(message = 'Authentication required', code: UnauthorizedCode = 'unauthorized') {
    return new AppError(code, message, { headers: { 'WWW-Authenticate': bearerChallenge(code, message) } });
  }
  /**
   * An OAuth 2.0 error (RFC 6749 section 5.2); `invalid_client`, when the client authenticated
   * with HTTP Basic, challenges for Basic again.
   */
  static oauth(code: OAuthErrorCode, description: string, options: { basicRealm?: string } = {}) {
    const headers =
      code === 'invalid_client' && options.basicRealm ? { 'WWW-Authenticate': `Basic realm="${options.basicRealm}", charset="UTF-8"` } : undefined;
    return new AppError(code, description, { headers });
  }
  static forbidden(message?: string) {
    return new AppError('forbidden', message);
  }
  static notFound(message?: string) {
    return new AppError('not_found', message);
  }
  /** 405 naming the methods the path has in `Allow` (RFC 9110 section 15.5.6). */
  static methodNotAllowed(allow: string, message = `Method not allowed; use ${allow}`) {
    return new AppError('method_not_allowed', message, { headers: { Allow: allow } });
  }
  static conflict(
    message: string,
    code: 'conflict' | 'username_taken' | 'idempotency_key_in_progress' = 'conflict',
    headers?: Record<string, string>,
  ) {
    return new AppError(code, message, { headers });
  }
  static preconditionFailed(message?: string) {
    return new AppError('precondition_failed', message);
  }
  static payloadTooLarge(message?: string, details?: unknown) {
    return new AppError('payload_too_large', message, { details });
  }
  static unsupportedMediaType(message: string) {
    return new AppError('unsupported_media_type', message);
  }
  static tooManyRequests(retryAfterSeconds: number, message?: string) {
    return new AppError('too_many_requests', message, { headers: retryAfter(retryAfterSeconds) });
  }
  /** 429 with Retry-After: a per-user quota is used up until the window moves on. */
  static quotaExceeded(retryAfterSeconds: number, message: string, details?: unknown) {
    return new AppError('quota_exceeded', message, { details, headers: retryAfter(retryAfterSeconds) });
  }
  /** 503 with Retry-After: this instance holds as many long-held requests (waits, streams) as it may. */
  static atCapacity(retryAfterSeconds: number, message: string, details?: unknown) {
    return new AppError('at_capacity', message, { details, headers: retryAfter(retryAfterSeconds) });
  }
  static unavailable(dependency: string, message = `A dependency is unavailable: ${dependency}`) {
    return new AppError('service_unavailable', message, { details: { dependency } });
  }
  static internal(message?: string) {
    return new AppError('internal_error', message);
  }
}

/** The codes a 401 with a Bearer challenge may carry. */
export type UnauthorizedCode =
  'unauthorized' | 'missing_token' | 'invalid_token' | 'token_expired' | 'token_too_large' | 'token_revoked' | 'invalid_credentials';

function retryAfter(seconds: number): Record<string, string> {
  return { 'Retry-After': String(Math.max(1, Math.ceil(seconds))) };
}

export interface ErrorBody {
  error: { code: string; message: string; requestId?: string; details?: unknown };
}

/** RFC 6749 section 5.2's error body, which the OAuth 2.0 endpoints answer instead of ErrorBody. */
export interface OAuthErrorBody {
  error: OAuthErrorCode;
  error_description: string;
}

/** The JSON body every part of the system answers errors with; the only place it is shaped. */
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

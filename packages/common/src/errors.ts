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
  invalidGrant: 'invalid_grant',
  usernameTaken: 'username_taken',
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
    return new AppError(401, code, message, undefined, { 'WWW-Authenticate': 'Bearer' });
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

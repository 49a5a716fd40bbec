import { STATUS_CODES } from 'node:http';
import { AppError, ERROR_CATALOGUE, ERROR_CODES, OAUTH_ERROR_CODES, errorBody, isErrorCode } from '@app/common';

describe('the catalogue of error codes', () => {
  it('when a code is not in the catalogue, then it does not compile (the test typecheck runs first)', () => {
    // @ts-expect-error -- a typo of 'invalid_credentials' (and if a cast smuggles one in, it fails at once)
    expect(() => new AppError('invalid_credential', 'Incorrect username or password')).toThrow('invalid_credential is not in the error catalogue');
    expect(isErrorCode('invalid_credential')).toBe(false);
    // @ts-expect-error -- the same for bodies written without an AppError
    expect(errorBody('quota_exceed', 'Too many jobs').error.code).toBe('quota_exceed');
  });

  it('each code stands once, in snake_case, bound to a real error status and a default message', () => {
    expect(new Set(ERROR_CODES).size).toBe(ERROR_CODES.length);
    for (const code of ERROR_CODES) {
      const { status, message } = ERROR_CATALOGUE[code];
      expect(code).toMatch(/^[a-z]+(?:_[a-z]+)*$/);
      expect(STATUS_CODES[status]).toBeDefined();
      expect(status).toBeGreaterThanOrEqual(400);
      expect(message.length).toBeGreaterThan(0);
    }
  });

  it("when an error is built, then its status is the catalogue's, whoever throws it", () => {
    expect(new AppError('idempotency_key_reused').status).toBe(422);
    expect(new AppError('uri_too_long', 'long').status).toBe(414);
    expect(AppError.unauthorized('Token has expired', 'token_expired').status).toBe(401);
    expect(AppError.conflict('taken', 'username_taken').status).toBe(409);
    expect(AppError.quotaExceeded(2.5, 'Too many jobs').headers).toEqual({ 'Retry-After': '3' });
    expect(new AppError('not_found').message).toBe(ERROR_CATALOGUE.not_found.message);
  });

  it('OAuth 2.0 codes are 400 but invalid_client, which is 401 (RFC 6749 section 5.2)', () => {
    for (const code of OAUTH_ERROR_CODES) expect(AppError.oauth(code, 'x').status).toBe(code === 'invalid_client' ? 401 : 400);
    expect(AppError.oauth('invalid_client', 'x', { basicRealm: 'api' }).headers?.['WWW-Authenticate']).toMatch(/^Basic realm="api"/);
  });

  it('when a service throws a catalogued code, then the body carries it byte for byte', () => {
    const err = AppError.unauthorized('Incorrect username or password', 'invalid_credentials');
    expect(JSON.stringify(errorBody(err.code, err.message, 'req-1'))).toBe(
      '{"error":{"code":"invalid_credentials","message":"Incorrect username or password","requestId":"req-1"}}',
    );
  });
});

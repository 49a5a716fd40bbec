import { AppError, ErrorCode, errorBody } from '@app/common';

describe('the catalogue of error codes', () => {
  it('when a code is not in the catalogue, then it does not compile (the test typecheck runs first)', () => {
    // @ts-expect-error -- a typo of 'invalid_credentials'
    const typo = new AppError(401, 'invalid_credential', 'Incorrect username or password');
    expect(Object.values(ErrorCode)).not.toContain(typo.code);
    // @ts-expect-error -- the same for bodies written without an AppError
    expect(errorBody('quota_exceed', 'Too many jobs').error.code).toBe('quota_exceed');
  });

  it('each code stands once in the catalogue, in snake_case', () => {
    const codes = Object.values(ErrorCode);
    expect(new Set(codes).size).toBe(codes.length);
    for (const code of codes) expect(code).toMatch(/^[a-z]+(?:_[a-z]+)*$/);
  });

  it('when a service throws a catalogued code, then the body carries it byte for byte', () => {
    const err = AppError.unauthorized('Incorrect username or password', ErrorCode.invalidCredentials);
    expect(JSON.stringify(errorBody(err.code, err.message, 'req-1'))).toBe(
      '{"error":{"code":"invalid_credentials","message":"Incorrect username or password","requestId":"req-1"}}',
    );
  });
});

import { createPublicKey } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { call, decodeJwt, login, register, startAuth, uniqueIp, uniqueName, type TestAuth } from './support';

let auth: TestAuth;
beforeAll(async () => {
  auth = await startAuth({ SEED_USERS: 'anurag:password123' });
  await auth.service.prepared;
});
afterAll(async () => {
  await auth.cleanup();
});

const form = (body: string, clientIp = uniqueIp()) => call(auth.url, 'POST', '/auth/login', { form: body, caller: { clientIp } });

describe('POST /auth/login', () => {
  it('when the seed user logs in with the exact curl form body, then 200 with a bearer token pair, not cacheable', async () => {
    const res = await form('username=anurag&password=password123');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      access_token: expect.any(String),
      token_type: 'bearer',
      expires_in: 1200,
      refresh_token: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
    });
    expect(res.headers.get('cache-control')).toBe('no-store');
  });

  it('when the form carries the OAuth2 extras (grant_type=password, scope), then 200', async () => {
    const res = await form('grant_type=password&username=anurag&password=password123&scope=&client_id=&client_secret=');
    expect(res.status).toBe(200);
  });

  it('when the body is JSON, then 200 too, and the username matches in any case', async () => {
    const user = await register(auth.url, uniqueName('Json'));
    const res = await login(auth.url, user.username.toUpperCase());
    expect(res.status).toBe(200);
    expect(decodeJwt(res.body.access_token).payload.username).toBe(user.username);
  });

  it('when the username or the password is wrong, then the same 401 with WWW-Authenticate', async () => {
    const user = await register(auth.url, uniqueName());
    const wrongPassword = await login(auth.url, user.username, 'not-the-password');
    const wrongUser = await login(auth.url, uniqueName('nobody'), 'not-the-password');
    for (const res of [wrongPassword, wrongUser]) {
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe('Bearer');
      expect(res.body.error.code).toBe('invalid_credentials');
    }
    const { requestId: _a, ...a } = wrongPassword.body.error;
    const { requestId: _b, ...b } = wrongUser.body.error;
    expect(a).toEqual(b);
  });

  it('when fields are missing, then 400 naming them', async () => {
    const none = await form('');
    expect(none.status).toBe(400);
    expect(none.body.error.message).toMatch(/username.*password/);
    const noPassword = await form('username=anurag');
    expect(noPassword.status).toBe(400);
    expect(noPassword.body.error.message).toContain('password');
    expect(noPassword.body.error.details).toEqual([{ field: 'password', message: 'is required' }]);
  });

  it('when a field is repeated, has the wrong type, or is unknown, or grant_type is not password, then 400', async () => {
    expect((await form('username=anurag&username=other&password=password123')).status).toBe(400);
    expect((await form('username=anurag&password=password123&grant_type=client_credentials')).status).toBe(400);
    expect((await form('username=anurag&password=password123&role=admin')).status).toBe(400);
    const typed = await call(auth.url, 'POST', '/auth/login', { json: { username: 'anurag', password: 123 } });
    expect(typed.status).toBe(400);
    expect(typed.body.error.message).toContain('password');
  });

  it('when the content type is neither form nor JSON, then 415; when the body is over 16 kB, then 413', async () => {
    const text = await call(auth.url, 'POST', '/auth/login', {
      body: 'username=anurag&password=password123',
      headers: { 'content-type': 'text/plain' },
    });
    expect(text.status).toBe(415);
    expect((await form(`username=anurag&password=${'x'.repeat(20_000)}`)).status).toBe(413);
  });

  it('when the token is issued, then its header and claims follow the contract and it verifies against the JWKS', async () => {
    const user = await register(auth.url, uniqueName());
    const res = await login(auth.url, user.username);
    const { header, payload } = decodeJwt(res.body.access_token);
    expect(header).toMatchObject({ alg: 'RS256', typ: 'JWT', kid: expect.any(String) });
    expect(payload).toEqual({
      sub: user.id,
      username: user.username,
      iat: expect.any(Number),
      exp: expect.any(Number),
      jti: expect.any(String),
      iss: 'api-gateway-auth',
      aud: 'api-gateway',
    });
    expect((payload.exp as number) - (payload.iat as number)).toBe(1200);

    const jwks = await call(auth.url, 'GET', '/auth/.well-known/jwks.json', { caller: false });
    expect(jwks.status).toBe(200);
    expect(jwks.headers.get('cache-control')).toBe('public, max-age=300');
    const jwk = jwks.body.keys.find((k: { kid: string }) => k.kid === header.kid);
    expect(jwk).toMatchObject({ kty: 'RSA', alg: 'RS256', use: 'sig', n: expect.any(String), e: 'AQAB' });
    expect(jwk).not.toHaveProperty('d');
    const verified = jwt.verify(res.body.access_token, createPublicKey({ key: jwk, format: 'jwk' }), {
      algorithms: ['RS256'],
      issuer: 'api-gateway-auth',
      audience: 'api-gateway',
    });
    expect(verified).toMatchObject({ sub: user.id });
  });

  it('when two logins happen, then each token has its own jti', async () => {
    const user = await register(auth.url, uniqueName());
    const [a, b] = await Promise.all([login(auth.url, user.username), login(auth.url, user.username)]);
    expect(decodeJwt(a.body.access_token).payload.jti).not.toBe(decodeJwt(b.body.access_token).payload.jti);
  });

  it('when logins happen, then /metrics counts them by result', async () => {
    const metrics = await call(auth.url, 'GET', '/metrics', { caller: false });
    expect(metrics.body).toMatch(/auth_logins_total\{result="success",service="auth"\} \d+/);
    expect(metrics.body).toMatch(/auth_logins_total\{result="invalid_credentials",service="auth"\} \d+/);
  });
});

describe('login brute-force protection', () => {
  it('when a username fails 5 times from one address, then 429 with Retry-After, even with the right password', async () => {
    const user = await register(auth.url, uniqueName());
    const ip = uniqueIp();
    for (let i = 0; i < 5; i += 1) expect((await login(auth.url, user.username, 'wrong-password', ip)).status).toBe(401);
    const blocked = await login(auth.url, user.username, 'correct-horse-battery', ip);
    expect(blocked.status).toBe(429);
    expect(blocked.body.error.code).toBe('too_many_requests');
    const retryAfter = Number(blocked.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(800);
    expect(retryAfter).toBeLessThanOrEqual(900);
    // Another address is not blocked for this user.
    expect((await login(auth.url, user.username, 'correct-horse-battery', uniqueIp())).status).toBe(200);
  });

  it('when the right password comes before the limit, then the consecutive count starts again', async () => {
    const user = await register(auth.url, uniqueName());
    const ip = uniqueIp();
    for (let i = 0; i < 4; i += 1) await login(auth.url, user.username, 'wrong-password', ip);
    expect((await login(auth.url, user.username, 'correct-horse-battery', ip)).status).toBe(200);
    for (let i = 0; i < 4; i += 1) expect((await login(auth.url, user.username, 'wrong-password', ip)).status).toBe(401);
    expect((await login(auth.url, user.username, 'correct-horse-battery', ip)).status).toBe(200);
  });

  it('when unknown usernames fail too, then they are limited the same way', async () => {
    const ip = uniqueIp();
    const name = uniqueName('ghost');
    for (let i = 0; i < 5; i += 1) expect((await login(auth.url, name, 'x', ip)).status).toBe(401);
    expect((await login(auth.url, name, 'x', ip)).status).toBe(429);
  });

  it('when the request has no valid gateway proof, then a spoofed x-client-ip is ignored and the socket address counts', async () => {
    const user = await register(auth.url, uniqueName());
    const attempt = (password: string) =>
      call(auth.url, 'POST', '/auth/login', {
        json: { username: user.username, password },
        caller: false,
        headers: { 'x-client-ip': uniqueIp() },
      });
    for (let i = 0; i < 5; i += 1) expect((await attempt('wrong-password')).status).toBe(401);
    expect((await attempt('correct-horse-battery')).status).toBe(429);
  });
});

describe('per-address daily limit', () => {
  let strict: TestAuth;
  beforeAll(async () => {
    strict = await startAuth({ LOGIN_MAX_FAILURES_PER_IP_PER_DAY: '3', LOGIN_MAX_CONSECUTIVE_FAILURES: '50' });
  });
  afterAll(async () => {
    await strict.cleanup();
  });

  it('when one address fails for many usernames, then it is blocked for the day', async () => {
    const ip = uniqueIp();
    const user = await register(strict.url, uniqueName());
    for (let i = 0; i < 3; i += 1) expect((await login(strict.url, uniqueName('spray'), 'x', ip)).status).toBe(401);
    const blocked = await login(strict.url, user.username, 'correct-horse-battery', ip);
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(86_000);
    expect((await login(strict.url, user.username, 'correct-horse-battery', uniqueIp())).status).toBe(200);
  });
});

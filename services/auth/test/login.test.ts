import { createPublicKey } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { sleep } from '@app/testkit/wait';
import { call, decodeJwt, login, register, startAuth, uniqueIp, uniqueName, type TestAuth } from './support';

let auth: TestAuth;
beforeAll(async () => {
  // Waits long enough that a slow machine's argon2 cannot outlast them between two attempts.
  auth = await startAuth({ SEED_USERS: 'anurag:password123', LOGIN_ACCOUNT_DELAY_SECONDS: '4' });
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
      scope: 'api',
    });
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('pragma')).toBe('no-cache');
  });

  it('when the form carries the OAuth2 extras, empty ones too, then 200 (RFC 6749: an empty parameter is an omitted one)', async () => {
    const res = await form('grant_type=password&username=anurag&password=password123&scope=&client_id=&client_secret=');
    expect(res.status).toBe(200);
    expect(res.body.scope).toBe('api');
  });

  it('when the body is JSON, then 200 too, and the username matches in any case', async () => {
    const user = await register(auth.url, uniqueName('Json'));
    const res = await login(auth.url, user.username.toUpperCase());
    expect(res.status).toBe(200);
    expect(decodeJwt(res.body.access_token).payload.username).toBe(user.username);
  });

  it('when the username or the password is wrong, then the same 400 invalid_grant (RFC 6749 section 5.2), not cacheable', async () => {
    const user = await register(auth.url, uniqueName());
    const wrongPassword = await login(auth.url, user.username, 'not-the-password');
    const wrongUser = await login(auth.url, uniqueName('nobody'), 'not-the-password');
    for (const res of [wrongPassword, wrongUser]) {
      expect(res.status).toBe(400);
      expect(res.headers.get('cache-control')).toBe('no-store');
      expect(res.body).toEqual({ error: 'invalid_grant', error_description: 'Incorrect username or password' });
    }
  });

  it('when fields are missing, then 400 naming them', async () => {
    const none = await form('');
    expect(none.status).toBe(400);
    expect(none.body.error).toBe('invalid_request');
    expect(none.body.error_description).toMatch(/username.*password/);
    const noPassword = await form('username=anurag');
    expect(noPassword.status).toBe(400);
    expect(noPassword.body).toEqual({ error: 'invalid_request', error_description: 'Missing required field: password' });
  });

  it('when a field is repeated or has the wrong type, then 400 invalid_request; an unknown grant type, unsupported_grant_type', async () => {
    const repeated = await form('username=anurag&username=other&password=password123');
    expect(repeated.status).toBe(400);
    expect(repeated.body.error).toBe('invalid_request');
    const grant = await form('username=anurag&password=password123&grant_type=client_credentials');
    expect(grant.status).toBe(400);
    expect(grant.body.error).toBe('unsupported_grant_type');
    const typed = await call(auth.url, 'POST', '/auth/login', { json: { username: 'anurag', password: 123 } });
    expect(typed.status).toBe(400);
    expect(typed.body.error).toBe('invalid_request');
    expect(typed.body.error_description).toContain('password');
  });

  it('when the request carries a parameter OAuth does not define, then it is ignored (RFC 6749 section 3.2)', async () => {
    const res = await form('username=anurag&password=password123&role=admin');
    expect(res.status).toBe(200);
    expect(decodeJwt(res.body.access_token).payload.role).toBeUndefined();
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
    // RFC 9068: the JWT profile of access tokens.
    expect(header).toMatchObject({ alg: 'RS256', typ: 'at+jwt', kid: expect.any(String) });
    expect(payload).toEqual({
      sub: user.id,
      username: user.username,
      iat: expect.any(Number),
      exp: expect.any(Number),
      jti: expect.any(String),
      // The session (refresh-token family), so logout and refresh-token reuse can end all of it.
      sid: expect.any(String),
      client_id: 'public',
      scope: 'api',
      iss: 'http://127.0.0.1:8000',
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
      issuer: 'http://127.0.0.1:8000',
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

const retryAfter = (res: { headers: Headers }) => Number(res.headers.get('retry-after'));

describe('login throttling per account, whatever the address', () => {
  it('when 20 wrong passwords for one account arrive at once, then at most 5 are checked and the rest get 429', async () => {
    const user = await register(auth.url, uniqueName());
    const results = await Promise.all(Array.from({ length: 20 }, () => login(auth.url, user.username, 'wrong-password', uniqueIp())));
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s === 400).length).toBeLessThanOrEqual(5);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(15);
    expect(statuses.every((s) => s === 400 || s === 429)).toBe(true);
  });

  it('when failures come from many addresses, then the account waits longer after each further failure, and a success starts again', async () => {
    const user = await register(auth.url, uniqueName());
    for (let i = 0; i < 5; i += 1) expect((await login(auth.url, user.username, 'wrong-password', uniqueIp())).status).toBe(400);
    const first = await login(auth.url, user.username, 'correct-horse-battery', uniqueIp());
    expect(first.status).toBe(429);
    expect(first.body.error.code).toBe('too_many_requests');
    expect(retryAfter(first)).toBeGreaterThan(1);
    expect(retryAfter(first)).toBeLessThanOrEqual(4);
    await sleep(retryAfter(first) * 1000 + 100);
    expect((await login(auth.url, user.username, 'wrong-password', uniqueIp())).status).toBe(400);
    const second = await login(auth.url, user.username, 'correct-horse-battery', uniqueIp());
    expect(second.status).toBe(429);
    expect(retryAfter(second)).toBeGreaterThan(5);
    expect(retryAfter(second)).toBeLessThanOrEqual(8);
    await sleep(retryAfter(second) * 1000 + 100);
    expect((await login(auth.url, user.username, 'correct-horse-battery', uniqueIp())).status).toBe(200);
    // The success ended the run: the next failures are free again.
    for (let i = 0; i < 4; i += 1) expect((await login(auth.url, user.username, 'wrong-password', uniqueIp())).status).toBe(400);
    expect((await login(auth.url, user.username, 'correct-horse-battery', uniqueIp())).status).toBe(200);
  });

  it('when unknown usernames fail too, then they are limited the same way', async () => {
    const name = uniqueName('ghost');
    for (let i = 0; i < 5; i += 1) expect((await login(auth.url, name, 'x', uniqueIp())).status).toBe(400);
    expect((await login(auth.url, name, 'x', uniqueIp())).status).toBe(429);
  });

  it('when the request has no gateway proof, then 401 before any password is checked, whatever x-client-ip says', async () => {
    const user = await register(auth.url, uniqueName());
    const direct = await call(auth.url, 'POST', '/auth/login', {
      json: { username: user.username, password: 'correct-horse-battery' },
      caller: false,
      headers: { 'x-client-ip': uniqueIp() },
    });
    expect(direct.status).toBe(401);
    expect(direct.body.error.code).toBe('identity_proof_invalid');
    const refresh = await call(auth.url, 'POST', '/auth/refresh', { json: { refresh_token: 'x'.repeat(40) }, caller: false });
    expect(refresh.body.error.code).toBe('identity_proof_invalid');
  });
});

describe('login throttling per address', () => {
  let strict: TestAuth;
  beforeAll(async () => {
    strict = await startAuth({
      LOGIN_ADDRESS_FREE_FAILURES: '3',
      LOGIN_ADDRESS_DELAY_SECONDS: '3',
      LOGIN_ADDRESS_MAX_DELAY_SECONDS: '6',
      LOGIN_ACCOUNT_FREE_FAILURES: '50',
    });
  });
  afterAll(async () => {
    await strict.cleanup();
  });

  it('when one address fails for many usernames, then it is slowed down with a growing but capped Retry-After, never locked out', async () => {
    const ip = uniqueIp();
    const user = await register(strict.url, uniqueName());
    for (let i = 0; i < 3; i += 1) expect((await login(strict.url, uniqueName('spray'), 'x', ip)).status).toBe(400);
    const slowed = await login(strict.url, user.username, 'correct-horse-battery', ip);
    expect(slowed.status).toBe(429);
    expect(retryAfter(slowed)).toBeLessThanOrEqual(3);
    const waits: number[] = [];
    let wait = retryAfter(slowed);
    for (let round = 0; round < 2; round += 1) {
      await sleep(wait * 1000 + 100);
      expect((await login(strict.url, uniqueName('spray'), 'x', ip)).status).toBe(400);
      const next = await login(strict.url, user.username, 'correct-horse-battery', ip);
      expect(next.status).toBe(429);
      wait = retryAfter(next);
      waits.push(wait);
    }
    // 6 s, then still 6 s: the wait grows to its cap and stops there (never a day).
    expect(waits[0]).toBeGreaterThan(3);
    expect(waits.every((w) => w <= 6)).toBe(true);
    expect(waits[1]).toBeGreaterThan(3);
    // Every other address, and the same user from it, is untouched.
    expect((await login(strict.url, user.username, 'correct-horse-battery', uniqueIp())).status).toBe(200);
    // Once the wait is over the right password goes through from that address too.
    await sleep(wait * 1000 + 100);
    expect((await login(strict.url, user.username, 'correct-horse-battery', ip)).status).toBe(200);
  });

  it('when many people behind one address log in successfully, then their successes cost the address nothing', async () => {
    const ip = uniqueIp();
    const users = await Promise.all(Array.from({ length: 6 }, () => register(strict.url, uniqueName())));
    for (const user of users) expect((await login(strict.url, user.username, 'correct-horse-battery', ip)).status).toBe(200);
    for (let i = 0; i < 2; i += 1) expect((await login(strict.url, uniqueName('typo'), 'x', ip)).status).toBe(400);
    expect((await login(strict.url, users[0]!.username, 'correct-horse-battery', ip)).status).toBe(200);
  });

  it('when the failures come from different addresses of one IPv6 /64, then they count together; another /64 is apart', async () => {
    const prefix = `2001:db8:${Math.floor(Math.random() * 0xffff).toString(16)}:${Math.floor(Math.random() * 0xffff).toString(16)}`;
    const user = await register(strict.url, uniqueName());
    for (let i = 1; i <= 3; i += 1) expect((await login(strict.url, uniqueName('v6'), 'x', `${prefix}::${i}`)).status).toBe(400);
    expect((await login(strict.url, user.username, 'correct-horse-battery', `${prefix}:1:2:3:4`)).status).toBe(429);
    expect((await login(strict.url, user.username, 'correct-horse-battery', `${prefix.replace('2001:db8:', '2001:db9:')}::1`)).status).toBe(200);
  });
});

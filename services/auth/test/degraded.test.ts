import { observeEvents } from '@app/testkit/events';
import { call, decodeJwt, login, newSession, register, startAuth, uniqueIp, uniqueName, type TestAuth } from './support';

// Nothing listens on port 1: connections are refused at once, like a server that is down.
const DEAD_REDIS = 'redis://127.0.0.1:1';
const DEAD_MONGO = 'mongodb://127.0.0.1:1/';

describe('when Redis is down', () => {
  let auth: TestAuth;
  beforeAll(async () => {
    auth = await startAuth({ REDIS_URL: DEAD_REDIS, LOGIN_ACCOUNT_DELAY_SECONDS: '30' });
  });
  afterAll(async () => {
    await auth.cleanup();
  });

  it('then register, login, me and logout still work, and logout still publishes token.revoked', async () => {
    const events = await observeEvents(['token.revoked']);
    try {
      const { user, tokens } = await newSession(auth.url);
      const form = await call(auth.url, 'POST', '/auth/login', { form: `username=${user.username}&password=correct-horse-battery` });
      expect(form.status).toBe(200);
      const me = await call(auth.url, 'GET', '/auth/me', { caller: { userId: user.id, userName: user.username } });
      expect(me.body).toEqual(user);
      const logout = await call(auth.url, 'POST', '/auth/logout', {
        caller: { userId: user.id, userName: user.username },
        headers: { authorization: `Bearer ${tokens.access_token}` },
      });
      expect(logout.status).toBe(204);
      const { jti } = decodeJwt(tokens.access_token).payload as { jti: string };
      await events.waitFor((e) => (e.data as { jti?: string }).jti === jti);
    } finally {
      await events.close();
    }
  });

  it('then failed logins are still limited, in memory', async () => {
    const user = await register(auth.url, uniqueName());
    const ip = uniqueIp();
    for (let i = 0; i < 5; i += 1) expect((await login(auth.url, user.username, 'wrong-password', ip)).status).toBe(400);
    const blocked = await login(auth.url, user.username, 'correct-horse-battery', ip);
    expect(blocked.status).toBe(429);
    expect(blocked.headers.get('retry-after')).toBeTruthy();
  });

  it('then /ready stays 200 (auth serves without Redis) and names redis as degraded', async () => {
    const ready = await call(auth.url, 'GET', '/ready', { caller: false });
    expect(ready.status).toBe(200);
    expect(ready.body).toMatchObject({ status: 'degraded', degraded: ['redis'], checks: { redis: 'down', mongodb: 'up' } });
  });
});

describe('when MongoDB is down', () => {
  let auth: TestAuth;
  beforeAll(async () => {
    auth = await startAuth({ MONGO_URL: DEAD_MONGO });
  });
  afterAll(async () => {
    await auth.cleanup();
  });

  it('then register, login, refresh and me answer 503 JSON at once', async () => {
    const caller = { userId: '0123456789abcdef01234567', userName: 'someone' };
    const answers = await Promise.all([
      call(auth.url, 'POST', '/auth/register', { json: { username: uniqueName(), password: 'a-long-password' } }),
      call(auth.url, 'POST', '/auth/login', { form: 'username=anurag&password=password123' }),
      call(auth.url, 'POST', '/auth/refresh', { json: { refresh_token: 'A'.repeat(43) } }),
      call(auth.url, 'GET', '/auth/me', { caller }),
    ]);
    for (const res of answers) {
      expect(res.status).toBe(503);
      expect(res.body.error).toMatchObject({ code: 'service_unavailable', details: { dependency: 'mongodb' } });
    }
  });

  it('then the JWKS is still served and /ready reports mongodb down', async () => {
    expect((await call(auth.url, 'GET', '/auth/.well-known/jwks.json', { caller: false })).status).toBe(200);
    const ready = await call(auth.url, 'GET', '/ready', { caller: false });
    expect(ready.status).toBe(503);
    expect(ready.body.error.details.checks).toMatchObject({ mongodb: 'down', redis: 'up', rabbitmq: 'up' });
  });
});

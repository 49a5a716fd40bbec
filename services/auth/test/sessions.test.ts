import { randomUUID } from 'node:crypto';
import { revokedJtiKey, revokedUserKey } from '@app/common';
import { observeEvents } from '@app/testkit/events';
import { withRedis } from '@app/testkit/servers';
import { call, decodeJwt, gatewayHeaders, login, newSession, startAuth, type TestAuth } from './support';

let auth: TestAuth;
beforeAll(async () => {
  // Long waits, so a slow argon2 never lets a throttled guess through in the tests below.
  auth = await startAuth({ LOGIN_ACCOUNT_DELAY_SECONDS: '30' });
});
afterAll(async () => {
  await auth.cleanup();
});

const refresh = (refresh_token: unknown) => call(auth.url, 'POST', '/auth/refresh', { json: { refresh_token } });

/** A request as the gateway forwards it for a verified token: identity headers plus the raw Authorization. */
function asUser(method: string, path: string, user: { id: string; username: string }, accessToken?: string, json?: unknown) {
  return call(auth.url, method, path, {
    caller: { userId: user.id, userName: user.username },
    headers: accessToken ? { authorization: `Bearer ${accessToken}` } : {},
    ...(json === undefined ? {} : { json }),
  });
}

describe('POST /auth/refresh', () => {
  it('when a refresh token is used, then a new pair comes back and the refresh token rotates', async () => {
    const { user, tokens } = await newSession(auth.url);
    const res = await refresh(tokens.refresh_token);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.body).toMatchObject({ token_type: 'bearer', expires_in: 1200 });
    expect(res.body.refresh_token).not.toBe(tokens.refresh_token);
    expect(decodeJwt(res.body.access_token).payload.sub).toBe(user.id);
    // The rotated token works once more.
    expect((await refresh(res.body.refresh_token)).status).toBe(200);
  });

  it('when the form body is used, then it works as well', async () => {
    const { tokens } = await newSession(auth.url);
    const res = await call(auth.url, 'POST', '/auth/refresh', {
      form: `grant_type=refresh_token&refresh_token=${tokens.refresh_token}`,
    });
    expect(res.status).toBe(200);
  });

  it('when a used refresh token comes back, then 400 invalid_grant and the whole family is revoked', async () => {
    const { tokens } = await newSession(auth.url);
    const first = await refresh(tokens.refresh_token);
    expect(first.status).toBe(200);
    const replay = await refresh(tokens.refresh_token);
    expect(replay.status).toBe(400);
    expect(replay.body).toEqual({ error: 'invalid_grant', error_description: 'The refresh token is invalid, expired or revoked' });
    // The legitimate successor dies with the family.
    expect((await refresh(first.body.refresh_token)).status).toBe(400);
  });

  it('when one refresh token is presented several times at once, then at most one succeeds and the family ends revoked', async () => {
    // Repeated because a race that is lost only sometimes would otherwise pass by luck.
    for (let round = 0; round < 5; round += 1) {
      const { tokens } = await newSession(auth.url);
      const results = await Promise.all([1, 2, 3].map(() => refresh(tokens.refresh_token)));
      const winners = results.filter((r) => r.status === 200);
      expect(winners.length).toBeLessThanOrEqual(1);
      expect(results.filter((r) => r.status === 400)).toHaveLength(3 - winners.length);
      for (const winner of winners) expect((await refresh(winner.body.refresh_token)).status).toBe(400);
    }
  });

  it('when a used refresh token comes back, then every access token of that family is revoked too (Redis and token.revoked)', async () => {
    const events = await observeEvents(['token.revoked']);
    try {
      const { tokens } = await newSession(auth.url);
      const second = (await refresh(tokens.refresh_token)).body as { access_token: string; refresh_token: string };
      const third = (await refresh(second.refresh_token)).body as { access_token: string; refresh_token: string };
      expect((await refresh(tokens.refresh_token)).status).toBe(400);
      const jtis = [tokens, second, third].map((t) => decodeJwt(t.access_token).payload.jti as string);
      const sub = decodeJwt(tokens.access_token).payload.sub as string;
      const stored = await withRedis((redis) => Promise.all(jtis.map((jti) => redis.get(revokedJtiKey(sub, jti)))));
      expect(stored).toEqual(['1', '1', '1']);
      for (const jti of jtis) await events.waitFor((e) => (e.data as { jti?: string }).jti === jti);
      expect((await refresh(third.refresh_token)).status).toBe(400);
    } finally {
      await events.close();
    }
  });

  it('when another login of the same user has its own family, then a replay elsewhere does not touch it', async () => {
    const { user, tokens } = await newSession(auth.url);
    const other = await login(auth.url, user.username);
    await refresh(tokens.refresh_token);
    await refresh(tokens.refresh_token);
    expect((await refresh(other.body.refresh_token)).status).toBe(200);
  });

  it('when the token is unknown, malformed, missing or of the wrong type, then 400 (invalid_grant or invalid_request)', async () => {
    expect((await refresh('A'.repeat(43))).status).toBe(400);
    expect((await refresh('not a token')).status).toBe(400);
    const missing = await call(auth.url, 'POST', '/auth/refresh', { json: {} });
    expect(missing.status).toBe(400);
    expect(missing.body).toEqual({ error: 'invalid_request', error_description: 'Missing required field: refresh_token' });
    expect((await refresh(12345)).status).toBe(400);
    expect((await refresh('x'.repeat(600))).status).toBe(400);
    expect((await call(auth.url, 'POST', '/auth/refresh', { body: 'x', headers: { 'content-type': 'text/plain' } })).status).toBe(415);
  });
});

describe('POST /auth/logout', () => {
  it('when the caller logs out, then 204, the jti is revoked in Redis until exp, token.revoked is published and the refresh family dies', async () => {
    const events = await observeEvents(['token.revoked']);
    try {
      const { user, tokens } = await newSession(auth.url);
      const { jti, exp } = decodeJwt(tokens.access_token).payload as { jti: string; exp: number };
      const res = await asUser('POST', '/auth/logout', user, tokens.access_token, { refresh_token: tokens.refresh_token });
      expect(res.status).toBe(204);

      const key = revokedJtiKey(user.id, jti);
      const [value, ttl] = await withRedis(async (redis) => {
        const stored = await Promise.all([redis.get(key), redis.ttl(key)]);
        await redis.del(key);
        return stored;
      });
      expect(value).toBe('1');
      expect(ttl).toBeGreaterThan(1100);
      expect(ttl).toBeLessThanOrEqual(1200);
      expect(Math.abs(Math.floor(Date.now() / 1000) + ttl - exp)).toBeLessThanOrEqual(2);

      const event = await events.waitFor((e) => (e.data as { jti?: string }).jti === jti);
      expect(event).toMatchObject({ type: 'token.revoked', source: 'auth', data: { userId: user.id, jti, exp } });
      expect((await refresh(tokens.refresh_token)).status).toBe(400);
    } finally {
      await events.close();
    }
  });

  it('when logging out without a refresh token, then the session still ends: its refresh token and its other access tokens die', async () => {
    const { user, tokens } = await newSession(auth.url);
    const rotated = (await refresh(tokens.refresh_token)).body as { access_token: string; refresh_token: string };
    const other = (await login(auth.url, user.username)).body as { access_token: string; refresh_token: string };
    const jtiOf = (token: string) => decodeJwt(token).payload.jti as string;
    expect(decodeJwt(rotated.access_token).payload.sid).toBe(decodeJwt(tokens.access_token).payload.sid);

    expect((await asUser('POST', '/auth/logout', user, rotated.access_token)).status).toBe(204);
    expect((await refresh(rotated.refresh_token)).status).toBe(400);
    const revoked = await withRedis((redis) =>
      Promise.all([tokens.access_token, rotated.access_token, other.access_token].map((t) => redis.get(revokedJtiKey(user.id, jtiOf(t))))),
    );
    expect(revoked).toEqual(['1', '1', null]);
    // Another login of the same user is another session, untouched.
    expect((await refresh(other.refresh_token)).status).toBe(200);
  });

  it("when the access token is another user's, missing or not ours, then 401", async () => {
    const a = await newSession(auth.url);
    const b = await newSession(auth.url);
    const foreign = await asUser('POST', '/auth/logout', a.user, b.tokens.access_token);
    expect(foreign.status).toBe(401);
    expect((await asUser('POST', '/auth/logout', a.user)).status).toBe(401);
    const tampered = a.tokens.access_token.slice(0, -4) + 'AAAA';
    expect((await asUser('POST', '/auth/logout', a.user, tampered)).status).toBe(401);
  });

  it("when someone else's refresh token is given, then it is left alone", async () => {
    const a = await newSession(auth.url);
    const b = await newSession(auth.url);
    const { jti } = decodeJwt(a.tokens.access_token).payload as { jti: string };
    expect((await asUser('POST', '/auth/logout', a.user, a.tokens.access_token, { refresh_token: b.tokens.refresh_token })).status).toBe(204);
    await withRedis((redis) => redis.del(revokedJtiKey(a.user.id, jti)));
    expect((await refresh(b.tokens.refresh_token)).status).toBe(200);
  });

  it('when the identity proof is missing or forged, then 401 before anything happens', async () => {
    const { user, tokens } = await newSession(auth.url);
    const unsigned = await call(auth.url, 'POST', '/auth/logout', {
      caller: false,
      headers: { 'x-user-id': user.id, 'x-user-name': user.username, authorization: `Bearer ${tokens.access_token}` },
    });
    expect(unsigned.status).toBe(401);
    expect(unsigned.body.error.code).toBe('identity_proof_invalid');
  });

  it('when the body has unknown fields or is not JSON, then 400 / 415', async () => {
    const { user, tokens } = await newSession(auth.url);
    expect((await asUser('POST', '/auth/logout', user, tokens.access_token, { everything: true })).status).toBe(400);
    const form = await call(auth.url, 'POST', '/auth/logout', {
      caller: { userId: user.id, userName: user.username },
      form: 'refresh_token=x',
      headers: { authorization: `Bearer ${tokens.access_token}` },
    });
    expect(form.status).toBe(415);
  });
});

describe('GET /auth/me', () => {
  it('when the gateway vouches for the caller, then the profile', async () => {
    const { user } = await newSession(auth.url);
    const res = await asUser('GET', '/auth/me', user);
    expect(res.status).toBe(200);
    expect(res.body).toEqual(user);
  });

  it('when x-user-id is forged without a signature or with a bad one, then 401', async () => {
    const { user } = await newSession(auth.url);
    const bare = await call(auth.url, 'GET', '/auth/me', { caller: false, headers: { 'x-user-id': user.id, 'x-user-name': user.username } });
    expect(bare.status).toBe(401);
    const other = await newSession(auth.url);
    // A valid proof for one user with the id swapped for another's.
    const swapped = { ...gatewayHeaders('GET', '/auth/me', { userId: other.user.id, userName: other.user.username }), 'x-user-id': user.id };
    expect((await call(auth.url, 'GET', '/auth/me', { caller: false, headers: swapped })).status).toBe(401);
    // A proof signed for another path.
    const replayed = gatewayHeaders('DELETE', '/auth/me', { userId: user.id, userName: user.username });
    expect((await call(auth.url, 'GET', '/auth/me', { caller: false, headers: replayed })).status).toBe(401);
  });

  it('when the proof names no user (public request), then 401', async () => {
    expect((await call(auth.url, 'GET', '/auth/me')).status).toBe(401);
  });

  it('when the user does not exist, then 404', async () => {
    const res = await asUser('GET', '/auth/me', { id: '0123456789abcdef01234567', username: 'ghost' });
    expect(res.status).toBe(404);
    expect((await asUser('GET', '/auth/me', { id: randomUUID(), username: 'ghost' })).status).toBe(404);
  });
});

describe('DELETE /auth/me', () => {
  it('when the caller deletes the account, then 204, events go out, tokens are revoked and login fails', async () => {
    const events = await observeEvents(['user.deleted', 'token.revoked']);
    try {
      const { user, tokens } = await newSession(auth.url);
      const res = await asUser('DELETE', '/auth/me', user, undefined, { password: 'correct-horse-battery' });
      expect(res.status).toBe(204);

      const deleted = await events.waitFor((e) => e.type === 'user.deleted' && (e.data as { userId?: string }).userId === user.id);
      expect(deleted.data).toEqual({ userId: user.id, username: user.username });
      const revoked = await events.waitFor((e) => e.type === 'token.revoked' && (e.data as { userId?: string }).userId === user.id);
      const { before } = revoked.data as { before: number };
      expect(before).toBeGreaterThanOrEqual(decodeJwt(tokens.access_token).payload.iat as number);

      const key = revokedUserKey(user.id);
      const [value, ttl] = await withRedis(async (redis) => {
        const stored = await Promise.all([redis.get(key), redis.ttl(key)]);
        await redis.del(key);
        return stored;
      });
      expect(Number(value)).toBe(before);
      expect(ttl).toBeGreaterThan(86_000);

      expect((await login(auth.url, user.username)).status).toBe(400);
      expect((await refresh(tokens.refresh_token)).status).toBe(400);
      expect((await asUser('GET', '/auth/me', user)).status).toBe(404);
      expect((await asUser('DELETE', '/auth/me', user, undefined, { password: 'correct-horse-battery' })).status).toBe(404);
    } finally {
      await events.close();
    }
  });

  it('when the password is missing, then 400; when it is wrong, then 401; the account stays either way', async () => {
    const { user } = await newSession(auth.url);
    const missing = await asUser('DELETE', '/auth/me', user);
    expect(missing.status).toBe(400);
    expect(missing.body.error.message).toMatch(/password/);
    expect((await asUser('DELETE', '/auth/me', user, undefined, {})).status).toBe(400);
    const wrong = await asUser('DELETE', '/auth/me', user, undefined, { password: 'not-the-password' });
    expect(wrong.status).toBe(401);
    expect(wrong.body.error.code).toBe('invalid_credentials');
    expect((await asUser('GET', '/auth/me', user)).status).toBe(200);
    expect((await login(auth.url, user.username)).status).toBe(200);
  });

  it('when a stolen token is used to guess the password, then the guesses are throttled like logins', async () => {
    const { user } = await newSession(auth.url);
    const statuses: number[] = [];
    for (let i = 0; i < 7; i += 1) statuses.push((await asUser('DELETE', '/auth/me', user, undefined, { password: `guess-${i}` })).status);
    expect(statuses.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
    expect(statuses.slice(5)).toEqual([429, 429]);
    expect((await asUser('GET', '/auth/me', user)).status).toBe(200);
  });

  it('when the proof is missing, then 401 and nothing is deleted', async () => {
    const { user } = await newSession(auth.url);
    const res = await call(auth.url, 'DELETE', '/auth/me', { caller: false, headers: { 'x-user-id': user.id } });
    expect(res.status).toBe(401);
    expect((await asUser('GET', '/auth/me', user)).status).toBe(200);
  });
});

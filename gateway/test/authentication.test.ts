import { createHmac, generateKeyPairSync, randomUUID } from 'node:crypto';
import { EventBus, createLogger, revokedJtiKey, revokedUserKey, verifyIdentityProof } from '@app/common';
import amqp from 'amqplib';
import { Redis } from 'ioredis';
import jwt from 'jsonwebtoken';
import { bearer } from '@app/testkit/http';
import { AMQP_URL, REDIS_URL } from '@app/testkit/servers';
import { waitFor } from '@app/testkit/wait';
import { AUDIENCE, IDENTITY_SECRET, ISSUER, makeKey, signClaims, signToken, startHarness, type Harness } from './support';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.close();
});

const base64url = (value: object | string) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

/** Asks with `token` until the gateway stops answering 200 (a revocation arrives by event); that status. */
function statusOnceRefused(url: string, token: string): Promise<number> {
  return waitFor(
    'the token to be refused',
    async () => {
      const { status } = await fetch(`${url}/records/`, { headers: bearer(token) });
      return status !== 200 && status;
    },
    { timeoutMs: 5000, intervalMs: 100 },
  );
}

async function expect401(headers: Record<string, string>, path = '/records/') {
  const before = h.records.seen.length;
  const response = await fetch(h.url + path, { headers });
  expect(response.status).toBe(401);
  const body = (await response.json()) as { error: { code: string; message: string; requestId: string } };
  expect(body.error.code).toMatch(/token|unauthorized/);
  // RFC 6750 section 3: no error code when no token came, invalid_token (with why) when a bad one did.
  const challenge = response.headers.get('www-authenticate');
  if (body.error.code === 'missing_token') expect(challenge).toBe('Bearer');
  else expect(challenge).toBe(`Bearer error="invalid_token", error_description="${body.error.message.replaceAll('"', "'")}"`);
  expect(body.error.requestId).toBe(response.headers.get('x-request-id'));
  expect(h.records.seen.length).toBe(before);
  return body;
}

describe('the global token check', () => {
  it('when no Authorization header is sent, then 401 and no service is called', async () => {
    const body = await expect401({});
    expect(body.error.code).toBe('missing_token');
  });

  it('when the seed sends "Bearer fake_token", then 401', async () => {
    await expect401(bearer('fake_token'), '/auth/me');
    expect(h.auth.seen.filter((r) => r.url === '/auth/me')).toHaveLength(0);
  });

  it('when the scheme is not Bearer, then 401', async () => {
    await expect401({ authorization: `Basic ${Buffer.from('a:b').toString('base64')}` });
    await expect401({ authorization: `Token ${signToken(h.key)}` });
  });

  it('when the token uses alg none, then 401', async () => {
    const token = `${base64url({ alg: 'none', typ: 'JWT', kid: h.key.kid })}.${base64url({ sub: 'x', username: 'x', jti: 'j', iss: ISSUER, aud: AUDIENCE, iat: 1, exp: 9_999_999_999 } satisfies jwt.JwtPayload)}.`;
    await expect401(bearer(token));
  });

  it('when an HS256 token is signed with the public key as its secret, then 401', async () => {
    const header = base64url({ alg: 'HS256', typ: 'JWT', kid: h.key.kid });
    const now = Math.floor(Date.now() / 1000);
    const payload = base64url({ sub: 'x', username: 'x', jti: 'j', iss: ISSUER, aud: AUDIENCE, iat: now, exp: now + 600 } satisfies jwt.JwtPayload);
    const signature = createHmac('sha256', h.key.publicPem).update(`${header}.${payload}`).digest('base64url');
    await expect401(bearer(`${header}.${payload}.${signature}`));
  });

  it('when the signature is wrong, then 401', async () => {
    const [head, payload] = signToken(h.key).split('.');
    const other = signToken(makeKey()).split('.')[2];
    await expect401(bearer(`${head}.${payload}.${other}`));
  });

  it('when the token has expired, then 401 with token_expired', async () => {
    const now = Math.floor(Date.now() / 1000);
    const body = await expect401(bearer(signToken(h.key, { iat: now - 2000, exp: now - 60 })));
    expect(body.error.code).toBe('token_expired');
  });

  it('when nbf is in the future, then 401', async () => {
    await expect401(bearer(signToken(h.key, {}, { notBefore: 600 })));
  });

  it('when iss or aud is wrong, then 401', async () => {
    await expect401(bearer(signToken(h.key, {}, { issuer: 'someone-else' })));
    await expect401(bearer(signToken(h.key, {}, { audience: 'another-api' })));
  });

  it('when the kid is unknown, then 401', async () => {
    const stranger = makeKey();
    await expect401(bearer(signToken(stranger)));
  });

  it('when the token is over 8 KB, then 401', async () => {
    const body = await expect401(bearer(signToken(h.key, { padding: 'x'.repeat(9000) })));
    expect(body.error.code).toBe('token_too_large');
  });

  it('when required claims are missing, then 401', async () => {
    const token = signClaims(h.key.privateKey, h.key.kid, { sub: 'user-1' });
    await expect401(bearer(token));
  });

  it('when an ES256 token claims an RSA kid, then 401', async () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const token = signClaims(privateKey, h.key.kid, { sub: 'u', username: 'u', jti: 'j' }, { algorithm: 'ES256' });
    await expect401(bearer(token));
  });

  it('when an unknown path is asked without a token, then 401, and with one, then a JSON 404', async () => {
    await expect401({}, '/nowhere');
    const response = await fetch(`${h.url}/nowhere`, { headers: bearer(signToken(h.key)) });
    expect(response.status).toBe(404);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('not_found');
  });
});

describe('identity forwarding', () => {
  it('when the token is valid, then the service gets the verified identity with a proof it can check', async () => {
    const sub = `user-${randomUUID()}`;
    const token = signToken(h.key, { sub, username: 'zoe' });
    const response = await fetch(`${h.url}/records/?limit=5`, {
      headers: { ...bearer(token), 'x-user-id': 'admin', 'x-user-name': 'root', 'x-identity-signature': 'forged', 'x-request-id': 'req-abc' },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-request-id')).toBe('req-abc');
    const seen = h.records.seen.at(-1)!;
    expect(seen.headers['x-user-id']).toBe(sub);
    expect(seen.headers['x-user-name']).toBe('zoe');
    expect(seen.headers['x-request-id']).toBe('req-abc');
    const proof = verifyIdentityProof(IDENTITY_SECRET, seen.method, seen.url, seen.headers);
    expect(proof).toMatchObject({ ok: true, identity: { userId: sub, userName: 'zoe' } });
  });

  it('when a public route is called with forged identity headers, then they are removed and the proof is anonymous', async () => {
    const response = await fetch(`${h.url}/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-user-id': 'admin', 'x-user-name': 'admin' },
      body: 'username=anurag&password=password123',
    });
    expect(response.status).toBe(200);
    const seen = h.auth.seen.at(-1)!;
    expect(seen.body).toBe('username=anurag&password=password123');
    expect(seen.headers['x-user-id']).toBe('');
    expect(verifyIdentityProof(IDENTITY_SECRET, seen.method, seen.url, seen.headers)).toMatchObject({ ok: true, identity: { userId: '' } });
  });

  it('when a request has no id, then the gateway makes one and returns it', async () => {
    const response = await fetch(`${h.url}/health`);
    expect(response.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('revocation', () => {
  it('when the auth service revoked a token in Redis, then 401', async () => {
    const jti = randomUUID();
    const sub = `user-${randomUUID()}`;
    const token = signToken(h.key, { jti, sub });
    expect((await fetch(`${h.url}/records/`, { headers: bearer(token) })).status).toBe(200);
    const redis = new Redis(REDIS_URL);
    await redis.set(revokedJtiKey(sub, jti), '1', 'EX', 60);
    await redis.quit();
    const body = await expect401(bearer(token));
    expect(body.error.code).toBe('token_revoked');
  });

  it("when all of a user's tokens were revoked, then tokens issued before are refused", async () => {
    const sub = `user-${randomUUID()}`;
    const token = signToken(h.key, { sub, iat: Math.floor(Date.now() / 1000) - 5 });
    const redis = new Redis(REDIS_URL);
    await redis.set(revokedUserKey(sub), String(Math.floor(Date.now() / 1000)), 'EX', 60);
    await redis.quit();
    await expect401(bearer(token));
  });

  it('when Redis is unreachable, then valid tokens pass without delay and evented revocations still hold', async () => {
    const cut = await startHarness({ REDIS_URL: 'redis://127.0.0.1:1', CACHE_REDIS_TIMEOUT_MS: '100' });
    try {
      const jti = randomUUID();
      const token = signToken(cut.key, { jti });
      const started = Date.now();
      expect((await fetch(`${cut.url}/records/`, { headers: bearer(token) })).status).toBe(200);
      expect(Date.now() - started).toBeLessThan(5000);

      const bus = new EventBus({ url: AMQP_URL, exchange: cut.exchange, service: 'test', logger: createLogger('test', 'silent') });
      await bus.start();
      await bus.publish('token.revoked', { userId: 'user-1', jti, exp: Math.floor(Date.now() / 1000) + 600 });
      await bus.close();
      expect(await statusOnceRefused(cut.url, token)).toBe(401);
    } finally {
      await cut.close();
    }
  });
});

describe('events of a newer release', () => {
  it('when token.revoked of the next minor version carries a field this release does not know, then the gateway still refuses the token', async () => {
    const jti = randomUUID();
    const token = signToken(h.key, { jti });
    expect((await fetch(`${h.url}/records/`, { headers: bearer(token) })).status).toBe(200);
    // Sent as a newer auth would send it: same major, one more field.
    const envelope = {
      id: randomUUID(),
      type: 'token.revoked',
      version: '1.1',
      source: 'auth',
      occurredAt: new Date().toISOString(),
      data: { userId: 'user-1', jti, exp: Math.floor(Date.now() / 1000) + 600, reason: 'logout' },
    };
    const connection = await amqp.connect(AMQP_URL);
    try {
      const channel = await connection.createConfirmChannel();
      channel.publish(h.exchange, 'token.revoked', Buffer.from(JSON.stringify(envelope)), { persistent: true });
      await channel.waitForConfirms();
    } finally {
      await connection.close();
    }
    expect(await statusOnceRefused(h.url, token)).toBe(401);
  });
});

describe('key rotation', () => {
  it('when auth starts signing with a new key, then the gateway refetches the JWKS and accepts it', async () => {
    const rotated = makeKey();
    h.keys.push(rotated);
    const response = await fetch(`${h.url}/records/`, { headers: bearer(signToken(rotated)) });
    expect(response.status).toBe(200);
    // The old key is still published, so tokens signed before the rotation stay valid.
    expect((await fetch(`${h.url}/records/`, { headers: bearer(signToken(h.key)) })).status).toBe(200);
  });
});

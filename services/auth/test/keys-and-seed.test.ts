import { createHash, generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mongoose from 'mongoose';
import { ConfigError, revokedJtiKey } from '@app/common';
import { start } from '../src/main';
import { MONGO_URL, withRedis } from '@app/testkit/servers';
import { call, decodeJwt, newSession, startAuth, uniqueIp, type TestAuth } from './support';

const seedLogin = (base: string) =>
  call(base, 'POST', '/auth/login', { form: 'username=anurag&password=password123', caller: { clientIp: uniqueIp() } });

async function countUsers(db: string, usernameLower: string): Promise<number> {
  const connection = await mongoose.createConnection(MONGO_URL, { dbName: db }).asPromise();
  try {
    return await connection.db!.collection('users').countDocuments({ usernameLower });
  } finally {
    await connection.close();
  }
}

describe('signing keys in development and test', () => {
  let auth: TestAuth;
  beforeAll(async () => {
    auth = await startAuth();
  });
  afterAll(async () => {
    await auth.cleanup();
  });

  it('when the service restarts on the same key folder, then the kid stays and old tokens still verify', async () => {
    const { user, tokens } = await newSession(auth.url);
    const kid = decodeJwt(tokens.access_token).header.kid;
    expect(statSync(join(auth.keysDir, 'signing-key.pem')).mode & 0o777).toBe(0o600);

    await auth.restart();
    const jwks = await call(auth.url, 'GET', '/auth/.well-known/jwks.json', { caller: false });
    expect(jwks.body.keys.map((k: { kid: string }) => k.kid)).toEqual([kid]);
    // The restarted service accepts the token issued before the restart (logout verifies it).
    const logout = await call(auth.url, 'POST', '/auth/logout', {
      caller: { userId: user.id, userName: user.username },
      headers: { authorization: `Bearer ${tokens.access_token}` },
    });
    expect(logout.status).toBe(204);
    await withRedis((redis) => redis.del(revokedJtiKey(user.id, decodeJwt(tokens.access_token).payload.jti as string)));
  });

  it('when the kid is computed, then it is the RFC 7638 thumbprint of the public key', async () => {
    const jwks = await call(auth.url, 'GET', '/auth/.well-known/jwks.json', { caller: false });
    const [key] = jwks.body.keys as { kid: string; e: string; n: string }[];
    const thumbprint = createHash('sha256').update(`{"e":"${key!.e}","kty":"RSA","n":"${key!.n}"}`).digest('base64url');
    expect(key!.kid).toBe(thumbprint);
  });

  it('when NODE_ENV=test has no JWT_KEYS_DIR, then start fails with a ConfigError naming it', async () => {
    await expect(start({ ...auth.env, JWT_KEYS_DIR: undefined })).rejects.toThrow(ConfigError);
    await expect(start({ ...auth.env, JWT_KEYS_DIR: undefined })).rejects.toThrow(/JWT_KEYS_DIR/);
  });
});

describe('production keys', () => {
  it('when NODE_ENV=production has no private key, then start fails with a ConfigError', async () => {
    const env = {
      NODE_ENV: 'production',
      PORT: '0',
      LOG_LEVEL: 'silent',
      IDENTITY_SECRET: 'x'.repeat(40),
      MONGO_URL,
      REDIS_URL: 'redis://127.0.0.1:6379',
      AMQP_URL: 'amqp://127.0.0.1:5672',
      JWT_KEYS_DIR: '/tmp/should-not-be-used',
    };
    const failure = start(env);
    await expect(failure).rejects.toThrow(ConfigError);
    await expect(start(env)).rejects.toThrow(/JWT_PRIVATE_KEY/);
  });

  it('when production has an EC key and a previous RSA key, then tokens are ES256, both keys are published and no seed user exists', async () => {
    const current = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const previous = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const dir = mkdtempSync(join(tmpdir(), 'auth-prod-keys-'));
    const previousFile = join(dir, 'previous.pem');
    writeFileSync(previousFile, previous.publicKey.export({ format: 'pem', type: 'spki' }).toString());
    const pemOneLine = current.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString().replace(/\n/g, '\\n');

    const auth = await startAuth({
      NODE_ENV: 'production',
      JWT_KEYS_DIR: undefined,
      JWT_PRIVATE_KEY: pemOneLine,
      JWT_PREVIOUS_PUBLIC_KEYS_FILE: previousFile,
      SEED_USERS: 'anurag:password123',
    });
    try {
      await auth.service.prepared;
      const jwks = await call(auth.url, 'GET', '/auth/.well-known/jwks.json', { caller: false });
      expect(jwks.body.keys).toHaveLength(2);
      expect(jwks.body.keys.map((k: { alg: string }) => k.alg).sort()).toEqual(['ES256', 'RS256']);

      const { tokens } = await newSession(auth.url);
      const { header } = decodeJwt(tokens.access_token);
      expect(header.alg).toBe('ES256');
      expect(header.kid).toBe(jwks.body.keys.find((k: { alg: string }) => k.alg === 'ES256').kid);

      expect((await seedLogin(auth.url)).status).toBe(400);
      expect(await countUsers(auth.db, 'anurag')).toBe(0);
    } finally {
      await auth.cleanup();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('seed users', () => {
  it('when two instances start in development on one database, then the demo user exists exactly once and logs in', async () => {
    const first = await startAuth({ NODE_ENV: 'development', SEED_USERS: undefined });
    const second = start({ ...first.env });
    try {
      const other = await second;
      await Promise.all([first.service.prepared, other.prepared]);
      // Seeding again on an existing user is a no-op.
      await first.restart();
      await first.service.prepared;
      expect(await countUsers(first.db, 'anurag')).toBe(1);
      const res = await seedLogin(first.url);
      expect(res.status).toBe(200);
      expect(decodeJwt(res.body.access_token).payload.username).toBe('anurag');
    } finally {
      await (await second.catch(() => undefined))?.stop();
      await first.cleanup();
    }
  });

  it('when NODE_ENV=test sets no SEED_USERS, then nobody is created', async () => {
    const auth = await startAuth();
    try {
      await auth.service.prepared;
      expect(await countUsers(auth.db, 'anurag')).toBe(0);
    } finally {
      await auth.cleanup();
    }
  });

  it('when a seed entry breaks the account rules, then start fails with a ConfigError', async () => {
    await expect(
      start({
        NODE_ENV: 'test',
        SEED_USERS: 'anurag:short',
        IDENTITY_SECRET: 'x'.repeat(40),
        MONGO_URL,
        REDIS_URL: 'redis://x',
        AMQP_URL: 'amqp://x',
        JWT_KEYS_DIR: tmpdir(),
      }),
    ).rejects.toThrow(/SEED_USERS/);
  });
});

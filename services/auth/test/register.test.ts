import mongoose from 'mongoose';
import { observeEvents } from '@app/testkit/events';
import { MONGO_URL } from '@app/testkit/servers';
import { call, startAuth, uniqueIp, uniqueName, type TestAuth } from './support';

let auth: TestAuth;
beforeAll(async () => {
  auth = await startAuth();
});
afterAll(async () => {
  await auth.cleanup();
});

const post = (json: unknown) => call(auth.url, 'POST', '/auth/register', { json });

describe('POST /auth/register', () => {
  it('when the input is valid, then 201 with id, username and createdAt, and user.registered is published', async () => {
    const events = await observeEvents(['user.registered']);
    try {
      const username = uniqueName('Reg');
      const res = await post({ username, password: 'a-long-password' });
      expect(res.status).toBe(201);
      expect(res.body).toEqual({ id: expect.stringMatching(/^[0-9a-f]{24}$/), username, createdAt: expect.any(String) });
      expect(Number.isNaN(Date.parse(res.body.createdAt))).toBe(false);
      const event = await events.waitFor((e) => (e.data as { userId?: string }).userId === res.body.id);
      expect(event).toMatchObject({ type: 'user.registered', source: 'auth', data: { userId: res.body.id, username } });
    } finally {
      await events.close();
    }
  });

  it('when stored, then the password exists only as an argon2id hash', async () => {
    const username = uniqueName();
    await post({ username, password: 'a-long-password' });
    const connection = await mongoose.createConnection(MONGO_URL, { dbName: auth.db }).asPromise();
    try {
      const doc = await connection.db!.collection('users').findOne({ usernameLower: username.toLowerCase() });
      expect(doc?.passwordHash).toMatch(/^\$argon2id\$v=19\$/);
      expect(JSON.stringify(doc)).not.toContain('a-long-password');
    } finally {
      await connection.close();
    }
  });

  it('when the username is taken, then 409, also in another case', async () => {
    const username = uniqueName('Dup');
    expect((await post({ username, password: 'a-long-password' })).status).toBe(201);
    const again = await post({ username, password: 'another-password' });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('username_taken');
    expect((await post({ username: username.toUpperCase(), password: 'another-password' })).status).toBe(409);
    expect((await post({ username: username.toLowerCase(), password: 'another-password' })).status).toBe(409);
  });

  it('when two registrations of one name race, then exactly one wins and the other gets 409', async () => {
    const username = uniqueName('Race');
    const results = await Promise.all(
      [username, username.toLowerCase(), username.toUpperCase(), username].map((name) => post({ username: name, password: 'a-long-password' })),
    );
    expect(results.map((r) => r.status).sort()).toEqual([201, 409, 409, 409]);
  });

  it('when fields are missing, then 400 naming them', async () => {
    const res = await post({});
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('validation_failed');
    expect(res.body.error.message).toContain('username');
    expect(res.body.error.message).toContain('password');
    expect(res.body.error.details).toEqual(
      expect.arrayContaining([
        { field: 'username', message: 'is required' },
        { field: 'password', message: 'is required' },
      ]),
    );
    expect(typeof res.body.error.requestId).toBe('string');
  });

  it('when there is no body at all, then 400 naming the missing fields', async () => {
    const res = await call(auth.url, 'POST', '/auth/register');
    expect(res.status).toBe(400);
    expect(res.body.error.message).toMatch(/username.*password/);
  });

  it.each([
    ['a number as username', { username: 12345, password: 'a-long-password' }, 'username'],
    ['an array as password', { username: uniqueName(), password: ['a-long-password'] }, 'password'],
    ['a too short password', { username: uniqueName(), password: 'short' }, 'password'],
    ['a too long password', { username: uniqueName(), password: 'x'.repeat(129) }, 'password'],
    ['a too short username', { username: 'ab', password: 'a-long-password' }, 'username'],
    ['a too long username', { username: 'a'.repeat(33), password: 'a-long-password' }, 'username'],
    ['a username with a space', { username: 'bad name', password: 'a-long-password' }, 'username'],
    ['a username with a slash', { username: 'bad/name', password: 'a-long-password' }, 'username'],
    ['a username with non-ASCII letters', { username: 'námé', password: 'a-long-password' }, 'username'],
    ['an unknown field', { username: uniqueName(), password: 'a-long-password', admin: true }, 'admin'],
  ])('when the body has %s, then 400 naming the field', async (_what, body, field) => {
    const res = await post(body);
    expect(res.status).toBe(400);
    expect(res.body.error.details).toEqual(expect.arrayContaining([expect.objectContaining({ field })]));
    expect(res.body.error.message).toContain(field);
  });

  it('when the boundaries are exactly met, then 201', async () => {
    const username = `${(uniqueName('b') + 'x'.repeat(32)).slice(0, 29)}.-_`;
    expect(username).toHaveLength(32);
    expect((await post({ username, password: 'p'.repeat(128) })).status).toBe(201);
    expect((await post({ username: `x${uniqueName().slice(-2)}`, password: 'p'.repeat(8) })).status).toBe(201);
  });

  it('when the body is an array or not JSON at all, then 400', async () => {
    expect((await post([{ username: uniqueName(), password: 'a-long-password' }])).status).toBe(400);
    const broken = await call(auth.url, 'POST', '/auth/register', {
      body: '{"username": "x",',
      headers: { 'content-type': 'application/json' },
    });
    expect(broken.status).toBe(400);
    expect(broken.body.error.code).toBe('bad_request');
  });

  it('when the body is over 16 kB, then 413', async () => {
    const res = await post({ username: uniqueName(), password: 'a-long-password', padding: 'x'.repeat(20_000) });
    expect(res.status).toBe(413);
    expect(res.body.error.code).toBe('payload_too_large');
  });

  it('when the content type is not JSON, then 415', async () => {
    const form = await call(auth.url, 'POST', '/auth/register', { form: `username=${uniqueName()}&password=a-long-password` });
    expect(form.status).toBe(415);
    const text = await call(auth.url, 'POST', '/auth/register', { body: 'hello', headers: { 'content-type': 'text/plain' } });
    expect(text.status).toBe(415);
    expect(text.body.error.code).toBe('unsupported_media_type');
  });

  it('when called directly without the gateway proof, then 401 and nobody is created', async () => {
    const username = uniqueName();
    const res = await call(auth.url, 'POST', '/auth/register', { json: { username, password: 'a-long-password' }, caller: false });
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('identity_proof_invalid');
    expect((await call(auth.url, 'POST', '/auth/register', { json: { username, password: 'a-long-password' } })).status).toBe(201);
  });
});

describe('service basics', () => {
  it('when asked for /health, /ready and /openapi.json, then they answer', async () => {
    expect((await call(auth.url, 'GET', '/health', { caller: false })).body).toMatchObject({ status: 'ok', service: 'auth' });
    const ready = await call(auth.url, 'GET', '/ready', { caller: false });
    expect(ready.status).toBe(200);
    expect(ready.body.checks).toEqual({ mongodb: 'up', redis: 'up', rabbitmq: 'up' });
    const spec = await call(auth.url, 'GET', '/openapi.json', { caller: false });
    expect(spec.status).toBe(200);
    expect(Object.keys(spec.body.paths)).toEqual(
      expect.arrayContaining(['/auth/register', '/auth/login', '/auth/refresh', '/auth/logout', '/auth/me', '/auth/.well-known/jwks.json']),
    );
    expect(spec.body.components.securitySchemes.OAuth2PasswordBearer).toMatchObject({
      type: 'oauth2',
      flows: { password: { tokenUrl: '/auth/login' } },
    });
    expect(spec.body.paths['/auth/me'].get.security).toEqual([{ OAuth2PasswordBearer: [] }]);
    expect(spec.body.paths['/auth/logout'].post.security).toEqual([{ OAuth2PasswordBearer: [] }]);
    for (const publicPath of ['/auth/register', '/auth/login', '/auth/refresh']) expect(spec.body.paths[publicPath].post.security).toEqual([]);
    expect(spec.body.paths['/auth/.well-known/jwks.json'].get.security).toEqual([]);
    expect(spec.body.components.schemas.RegisterRequest.properties.username).toMatchObject({
      minLength: 3,
      maxLength: 32,
      pattern: '^[a-zA-Z0-9_.-]+$',
    });
    expect(Object.keys(spec.body.paths['/auth/login'].post.responses).sort()).toEqual([
      '200',
      '400',
      '401',
      '413',
      '414',
      '415',
      '429',
      '502',
      '503',
      '504',
    ]);
    expect(spec.body.paths['/auth/login'].post.responses['429'].headers['Retry-After'].required).toBe(true);
  });

  it('when a known path is asked with a method it does not have, then 405 with Allow', async () => {
    for (const [method, path, allow] of [
      ['GET', '/auth/login', 'POST'],
      ['PUT', '/auth/me', 'GET, HEAD, DELETE'],
      ['POST', '/auth/.well-known/jwks.json', 'GET, HEAD'],
    ] as const) {
      const res = await call(auth.url, method, path, { caller: false });
      expect([method, path, res.status, res.headers.get('allow')]).toEqual([method, path, 405, allow]);
      expect(res.body.error.code).toBe('method_not_allowed');
    }
  });

  it('when a route does not exist, then a JSON 404', async () => {
    const res = await call(auth.url, 'GET', '/auth/nothing-here');
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('not_found');
  });
});

describe('registration throttling per address', () => {
  let strict: TestAuth;
  beforeAll(async () => {
    strict = await startAuth({ REGISTER_ADDRESS_FREE: '3', REGISTER_ADDRESS_DELAY_SECONDS: '30' });
  });
  afterAll(async () => {
    await strict.cleanup();
  });

  it('when 10 registrations from one address arrive at once, then at most 3 accounts are made and the rest get 429 with Retry-After', async () => {
    const clientIp = uniqueIp();
    const results = await Promise.all(
      Array.from({ length: 10 }, () =>
        call(strict.url, 'POST', '/auth/register', { json: { username: uniqueName(), password: 'a-long-password' }, caller: { clientIp } }),
      ),
    );
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s === 201).length).toBeLessThanOrEqual(3);
    const refused = results.filter((r) => r.status === 429);
    expect(refused.length).toBeGreaterThanOrEqual(7);
    expect(Number(refused[0]!.headers.get('retry-after'))).toBeGreaterThan(25);
    expect(Number(refused[0]!.headers.get('retry-after'))).toBeLessThanOrEqual(30);
    // Another address registers as usual.
    const other = await call(strict.url, 'POST', '/auth/register', {
      json: { username: uniqueName(), password: 'a-long-password' },
      caller: { clientIp: uniqueIp() },
    });
    expect(other.status).toBe(201);
  });
});

import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import amqp from 'amqplib';
import { Redis } from 'ioredis';
import mongoose from 'mongoose';
import { signIdentity, type EventEnvelope } from '@app/common';
import { checkAnswersFrom } from '../../../tests/support/contract';
import { start, type RunningService } from '../src/main';

export const MONGO_URL = process.env.MONGO_URL ?? 'mongodb://127.0.0.1:27017/';
export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
export const AMQP_URL = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
export const SECRET = 'auth-tests-identity-secret-0123456789abcdef';

export interface TestAuth {
  service: RunningService;
  url: string;
  db: string;
  keysDir: string;
  limitPrefix: string;
  env: NodeJS.ProcessEnv;
  /** Restarts on the same database and key folder. */
  restart(overrides?: NodeJS.ProcessEnv): Promise<void>;
  cleanup(): Promise<void>;
}

/** Starts the service in-process on its own database, key folder and rate-limit key prefix. */
export async function startAuth(overrides: NodeJS.ProcessEnv = {}): Promise<TestAuth> {
  const id = randomUUID();
  const db = `test-${id}`;
  const keysDir = mkdtempSync(join(tmpdir(), 'auth-keys-'));
  const limitPrefix = `test-${id}:login-fail`;
  const env: NodeJS.ProcessEnv = {
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    PORT: '0',
    HOST: '127.0.0.1',
    IDENTITY_SECRET: SECRET,
    MONGO_URL,
    MONGO_DB: db,
    REDIS_URL,
    AMQP_URL,
    JWT_KEYS_DIR: keysDir,
    LOGIN_LIMIT_KEY_PREFIX: limitPrefix,
    ...overrides,
  };
  const service = await start(env);
  checkAnswersFrom(service.url);
  const auth: TestAuth = {
    service,
    get url() {
      return this.service.url;
    },
    db,
    keysDir,
    limitPrefix,
    env,
    async restart(more = {}) {
      await this.service.stop();
      this.service = await start({ ...env, ...more });
      checkAnswersFrom(this.service.url);
    },
    async cleanup() {
      await this.service.stop();
      await dropDatabase(db);
      await deleteKeys(`${limitPrefix}:*`);
      rmSync(keysDir, { recursive: true, force: true });
    },
  };
  return auth;
}

export async function dropDatabase(db: string): Promise<void> {
  const connection = await mongoose.createConnection(MONGO_URL, { dbName: db }).asPromise();
  try {
    await connection.dropDatabase();
  } finally {
    await connection.close();
  }
}

export async function withRedis<T>(run: (redis: Redis) => Promise<T>): Promise<T> {
  const redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await redis.connect();
  try {
    return await run(redis);
  } finally {
    await redis.quit();
  }
}

export async function deleteKeys(pattern: string): Promise<void> {
  await withRedis(async (redis) => {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 500);
      if (keys.length > 0) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  });
}

export interface Caller {
  userId?: string;
  userName?: string;
  clientIp?: string;
}

/** The headers the gateway would add for this request. */
export function gatewayHeaders(method: string, path: string, caller: Caller = {}): Record<string, string> {
  return signIdentity(SECRET, {
    method,
    path,
    userId: caller.userId ?? '',
    userName: caller.userName ?? '',
    requestId: randomUUID(),
    // Each request from its own address unless a test says otherwise, so per-address limits never meet.
    clientIp: caller.clientIp ?? uniqueIp(),
  });
}

/** A random documentation-range address, so tests' per-address limits never meet. */
export function uniqueIp(): string {
  const byte = () => Math.floor(Math.random() * 254) + 1;
  return `198.51.${byte()}.${byte()}`;
}

export function uniqueName(prefix = 'u'): string {
  return `${prefix}_${randomUUID().replace(/-/g, '').slice(0, 20)}`;
}

export interface Response<T = any> {
  status: number;
  headers: Headers;
  body: T;
}

async function toResponse(res: globalThis.Response): Promise<Response> {
  const text = await res.text();
  let body: unknown = text;
  if (text && (res.headers.get('content-type') ?? '').includes('json')) body = JSON.parse(text);
  return { status: res.status, headers: res.headers, body };
}

/** A request through an imaginary gateway: identity headers signed for this method and path. */
export async function call(
  base: string,
  method: string,
  path: string,
  options: { json?: unknown; form?: string; body?: string; headers?: Record<string, string>; caller?: Caller | false } = {},
): Promise<Response> {
  const headers: Record<string, string> = {
    ...(options.caller === false ? {} : gatewayHeaders(method, path, options.caller)),
    ...(options.json !== undefined ? { 'content-type': 'application/json' } : {}),
    ...(options.form !== undefined ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
    ...options.headers,
  };
  const body = options.json !== undefined ? JSON.stringify(options.json) : (options.form ?? options.body);
  return toResponse(await fetch(base + path, { method, headers, body }));
}

export async function register(base: string, username: string, password = 'correct-horse-battery') {
  const res = await call(base, 'POST', '/auth/register', { json: { username, password } });
  if (res.status !== 201) throw new Error(`register failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as { id: string; username: string; createdAt: string };
}

export async function login(base: string, username: string, password = 'correct-horse-battery', clientIp = uniqueIp()) {
  return call(base, 'POST', '/auth/login', { json: { username, password }, caller: { clientIp } });
}

/** Registers and logs in a new user; returns the user and its tokens. */
export async function newSession(base: string) {
  const user = await register(base, uniqueName());
  const res = await login(base, user.username);
  if (res.status !== 200) throw new Error(`login failed: ${res.status} ${JSON.stringify(res.body)}`);
  return { user, tokens: res.body as { access_token: string; refresh_token: string; expires_in: number; token_type: string } };
}

/** Collects events from the shared exchange on a private queue. */
export async function observeEvents(routingKeys: string[]) {
  const connection = await amqp.connect(AMQP_URL);
  const channel = await connection.createChannel();
  await channel.assertExchange('app.events', 'topic', { durable: true });
  const { queue } = await channel.assertQueue(`test.auth.${randomUUID()}`, { exclusive: true, autoDelete: true, durable: false });
  for (const key of routingKeys) await channel.bindQueue(queue, 'app.events', key);
  const events: EventEnvelope[] = [];
  await channel.consume(queue, (message) => {
    if (!message) return;
    events.push(JSON.parse(message.content.toString('utf8')) as EventEnvelope);
    channel.ack(message);
  });
  return {
    events,
    async waitFor(predicate: (event: EventEnvelope) => boolean, timeoutMs = 5000): Promise<EventEnvelope> {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        const found = events.find(predicate);
        if (found) return found;
        await new Promise((r) => setTimeout(r, 25));
      }
      throw new Error(`no matching event within ${timeoutMs} ms; saw ${JSON.stringify(events.map((e) => e.type))}`);
    },
    async close() {
      await channel.close().catch(() => undefined);
      await connection.close().catch(() => undefined);
    },
  };
}

export function decodeJwt(token: string): { header: Record<string, unknown>; payload: Record<string, unknown> } {
  const [header, payload] = token.split('.');
  return {
    header: JSON.parse(Buffer.from(header!, 'base64url').toString('utf8')),
    payload: JSON.parse(Buffer.from(payload!, 'base64url').toString('utf8')),
  };
}

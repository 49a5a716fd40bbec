import { randomUUID } from 'node:crypto';
import amqp from 'amqplib';
import mongoose from 'mongoose';
import { signIdentity } from '@app/common';
import { checkAnswersFrom } from '../../../../tests/support/contract';
import { start, type RunningService } from '../../src/main';

export const MONGO_URL = process.env.MONGO_URL ?? 'mongodb://127.0.0.1:27017/';
export const AMQP_URL = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
export const SECRET = `records-test-secret-${randomUUID()}`;

export interface TestUser {
  id: string;
  name: string;
}

export interface Answer {
  status: number;
  headers: Headers;
  // Tests look into answers freely; a wrong shape fails the assertion that reads it.
  body: any;
  text: string;
}

export interface CallOptions {
  /** An object is sent as JSON; a string is sent as is. */
  body?: unknown;
  headers?: Record<string, string>;
  /** Identity headers to use instead of a correctly signed set (forgery tests). */
  identity?: Record<string, string>;
}

export function newUser(): TestUser {
  const id = randomUUID();
  return { id, name: `user-${id.slice(0, 8)}` };
}

export function identityHeaders(user: TestUser, method: string, path: string, secret = SECRET, now = Date.now()): Record<string, string> {
  return signIdentity(secret, { method, path, userId: user.id, userName: user.name, requestId: randomUUID(), clientIp: '127.0.0.1' }, now);
}

export interface RecordsUnderTest {
  service: RunningService;
  url: string;
  db: string;
  queue: string;
  call(user: TestUser | null, method: string, path: string, options?: CallOptions): Promise<Answer>;
  create(user: TestUser, fields?: Partial<Record<'option_type' | 'description' | 'status', string>>): Promise<Answer>;
  stop(): Promise<void>;
}

export async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Starts the service in-process on a free port with its own database and consumer queue. */
export async function startRecords(overrides: NodeJS.ProcessEnv = {}, { waitReady = true } = {}): Promise<RecordsUnderTest> {
  const db = `test-${randomUUID()}`;
  const queue = `test-records.user-deleted-${randomUUID()}`;
  const service = await start({
    PORT: '0',
    HOST: '127.0.0.1',
    MONGO_URL,
    AMQP_URL,
    MONGO_DB: db,
    IDENTITY_SECRET: SECRET,
    NODE_ENV: 'test',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    USER_DELETED_QUEUE: queue,
    ...overrides,
  });
  const url = service.url;
  checkAnswersFrom(url);

  const call = async (user: TestUser | null, method: string, path: string, options: CallOptions = {}): Promise<Answer> => {
    const target = new URL(path, url);
    const signedPath = target.pathname + target.search;
    const headers: Record<string, string> = {
      ...(options.identity ?? (user ? identityHeaders(user, method, signedPath) : {})),
      ...options.headers,
    };
    let body: string | undefined;
    if (options.body !== undefined) {
      body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
      if (!Object.keys(headers).some((name) => name.toLowerCase() === 'content-type')) headers['content-type'] = 'application/json';
    }
    const res = await fetch(target, { method, headers, body });
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    return { status: res.status, headers: res.headers, body: parsed, text };
  };

  const stop = async () => {
    await service.stop();
    // Through the real server: a test may have pointed the service at a proxy it has closed since.
    await dropDatabase(db);
    await deleteQueues([queue, `${queue}.dead`]);
  };

  if (waitReady) {
    await waitFor('records to be ready', async () => ((await fetch(`${url}/ready`)).status === 200 ? true : undefined), 15_000).catch(
      async (err) => {
        await stop();
        throw err;
      },
    );
  }

  return {
    service,
    url,
    db,
    queue,
    call,
    create: (user, fields = {}) =>
      call(user, 'POST', '/records/', { body: { option_type: 'opportunity', description: 'test', status: 'active', ...fields } }),
    stop,
  };
}

async function dropDatabase(db: string, mongoUrl = MONGO_URL): Promise<void> {
  const connection = await mongoose.createConnection(mongoUrl, { serverSelectionTimeoutMS: 3000 }).asPromise();
  try {
    await connection.useDb(db).dropDatabase();
  } finally {
    await connection.close();
  }
}

export async function deleteQueues(queues: string[]): Promise<void> {
  const connection = await amqp.connect(AMQP_URL);
  try {
    const channel = await connection.createChannel();
    for (const queue of queues) await channel.deleteQueue(queue);
    await channel.close();
  } finally {
    await connection.close();
  }
}

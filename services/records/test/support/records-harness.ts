import { randomUUID } from 'node:crypto';
import { checkAnswersFrom } from '@app/testkit/contract';
import { readAnswer, type Answer } from '@app/testkit/http';
import { identityHeaders as signedHeaders } from '@app/testkit/identity';
import { AMQP_URL, MONGO_URL, deleteQueues, dropDatabase, uniqueId } from '@app/testkit/servers';
import { waitFor } from '@app/testkit/wait';
import { start, type RunningService } from '../../src/main';

export const SECRET = `records-test-secret-${randomUUID()}`;

export interface TestUser {
  id: string;
  name: string;
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
  return signedHeaders(secret, method, path, { userId: user.id, userName: user.name }, now);
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

/** Starts the service in-process on a free port with its own database and consumer queue. */
export async function startRecords(overrides: NodeJS.ProcessEnv = {}, { waitReady = true } = {}): Promise<RecordsUnderTest> {
  const db = uniqueId();
  const queue = uniqueId('test-records.user-deleted');
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
    return readAnswer(await fetch(target, { method, headers, body }));
  };

  const stop = async () => {
    await service.stop();
    // Through the real server: a test may have pointed the service at a proxy it has closed since.
    await dropDatabase(db);
    await deleteQueues([queue, `${queue}.dead`]);
  };

  if (waitReady) {
    await waitFor('records to be ready', async () => ((await fetch(`${url}/ready`)).status === 200 ? true : undefined), 15_000).catch(async (err) => {
      await stop();
      throw err;
    });
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

import { randomUUID } from 'node:crypto';
import amqp from 'amqplib';
import { Redis } from 'ioredis';
import mongoose, { type Connection, type ConnectOptions } from 'mongoose';

// The servers every test file shares: `npm test` points these at the ones it started or reused.
export const MONGO_URL = process.env.MONGO_URL ?? 'mongodb://127.0.0.1:27017/';
export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
export const AMQP_URL = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';

/** A name no other test file uses (`test-<uuid>`), for a database, a queue, an exchange or a key prefix. */
export function uniqueId(prefix = 'test'): string {
  return `${prefix}-${randomUUID()}`;
}

/** A connection to one database on the tests' MongoDB server. */
export async function connectDatabase(db: string, options: ConnectOptions = {}): Promise<Connection> {
  return mongoose.createConnection(MONGO_URL, { ...options, dbName: db }).asPromise();
}

/** Drops a test's database through the real server (a test may have pointed its service at a proxy it has closed since). */
export async function dropDatabase(db: string): Promise<void> {
  const connection = await connectDatabase(db);
  try {
    await connection.dropDatabase();
  } finally {
    await connection.close();
  }
}

/** Deletes a test's queues on the tests' broker; a queue that was never declared is no error. */
export async function deleteQueues(queues: string[]): Promise<void> {
  const connection = await amqp.connect(AMQP_URL);
  try {
    const channel = await connection.createChannel();
    for (const queue of queues) await channel.deleteQueue(queue);
    await channel.close();
  } finally {
    await connection.close().catch(() => undefined);
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

/** Deletes a test's Redis keys by pattern, a batch at a time (SCAN, never KEYS). */
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

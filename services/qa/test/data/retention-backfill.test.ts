import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import mongoose, { type Connection } from 'mongoose';
import { QaJobRepository } from '../../src/data/qa-job-repository';
import { usagePrefix } from '../../src/data/usage-store';
import { start as startService, type RunningService } from '../../src/main';
import { MONGO_URL, REDIS_URL } from '@app/tests/support/servers';
import { sleep } from '@app/tests/support/wait';
import { cleanUp, uniqueEnv } from '../pipeline/support';

// Jobs written before retention existed were never put in its schedule: the service schedules them
// once, at start, in the background.
const env = { ...uniqueEnv(), QA_RETENTION_DAYS: '1', QA_RETENTION_SWEEP_MS: '200' };
const DAY = 24 * 3600 * 1000;
let db: Connection;
let redis: Redis;
let jobs: QaJobRepository;
let service: RunningService | undefined;
const schedule = `${usagePrefix(env.QA_QUEUE_NAME)}:retention`;

beforeAll(async () => {
  db = await mongoose.createConnection(`${MONGO_URL.replace(/\/?$/, '/')}${env.MONGO_DB}`).asPromise();
  jobs = new QaJobRepository(db);
  await jobs.ensureIndexes();
  redis = new Redis(REDIS_URL);
});

afterAll(async () => {
  await service?.stop();
  await redis?.del(schedule);
  redis?.disconnect();
  await db?.close();
  await cleanUp(env);
});

const file = () => ({ fileId: new mongoose.Types.ObjectId().toHexString(), name: 'x.pdf', size: 1, sha256: 'x' });
const legacyJob = (createdAt: Date) =>
  jobs.insert({
    id: randomUUID(),
    owner: `user-${randomUUID()}`,
    contentHash: randomUUID(),
    dedupBucket: 0,
    files: { resume: file(), jd: file() },
    createdAt,
  });

async function until(check: () => Promise<boolean>, ms = 20_000): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await sleep(100);
  }
  return check();
}

test('when jobs predate the retention schedule, then the service schedules them once at start: the expired one is removed, the others keep their times', async () => {
  const expired = await legacyJob(new Date(Date.now() - 2 * DAY));
  const kept = await legacyJob(new Date(Date.now() - 3600_000));
  const scheduled = await legacyJob(new Date(Date.now() - 7200_000));
  // Already in the schedule, at a time of its own: the backfill must not move it.
  const ownTime = Date.now() - 60_000;
  await redis.zadd(schedule, ownTime, scheduled.id);

  service = await startService(env);
  expect(await until(async () => (await jobs.findById(expired.id)) === null)).toBe(true);
  expect(await jobs.findById(kept.id)).not.toBeNull();
  expect(Number(await redis.zscore(schedule, kept.id))).toBe(kept.createdAt.getTime());
  expect(Number(await redis.zscore(schedule, scheduled.id))).toBe(ownTime);
  expect(await redis.zscore(schedule, expired.id)).toBeNull();
  expect(await db.collection('qa_meta').countDocuments({ _id: 'retention-schedule' as never })).toBe(1);

  // Done once: a later start reads the marker and schedules nothing.
  await service.stop();
  await redis.zrem(schedule, kept.id);
  service = await startService(env);
  await sleep(500);
  expect(await redis.zscore(schedule, kept.id)).toBeNull();
});

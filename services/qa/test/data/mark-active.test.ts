import { randomUUID } from 'node:crypto';
import mongoose, { type Connection } from 'mongoose';
import { QaJobRepository } from '../../src/data/qa-job-repository';
import { MONGO_URL } from '@app/tests/support/servers';

// Starting a job is one write by `_id` alone; a finished job that BullMQ hands out again stays finished.
let client: Connection;
let db: Connection;
let jobs: QaJobRepository;

beforeAll(async () => {
  client = await mongoose.createConnection(MONGO_URL).asPromise();
  db = client.useDb(`test-${randomUUID()}`);
  jobs = new QaJobRepository(db);
  await jobs.ensureIndexes();
});

afterAll(async () => {
  await db?.dropDatabase().catch(() => undefined);
  await client?.close();
});

const file = () => ({ fileId: randomUUID(), name: 'x.pdf', size: 1, sha256: 'x' });
const newJob = () =>
  jobs.insert({
    id: randomUUID(),
    owner: `user-${randomUUID()}`,
    contentHash: randomUUID(),
    dedupBucket: 0,
    files: { resume: file(), jd: file() },
    createdAt: new Date(),
  });

test('when a queued job starts, then it is active with its first start kept, and a second start keeps that time', async () => {
  const job = await newJob();
  const first = new Date(Date.now() - 1000);
  expect(await jobs.markActive(job.id, 1, first)).toMatchObject({ status: 'active', stage: 'started', attempts: 1, startedAt: first });
  expect(await jobs.markActive(job.id, 2, new Date())).toMatchObject({ status: 'active', attempts: 2, startedAt: first });
  expect(await jobs.findById(job.id)).toMatchObject({ status: 'active', attempts: 2, startedAt: first });
});

test('when a finished job is started again, then nothing starts and the job keeps its outcome, stage, progress and attempts', async () => {
  const job = await newJob();
  const started = new Date(Date.now() - 1000);
  await jobs.markActive(job.id, 1, started);
  await jobs.setStage(job.id, 'analyse', 60);
  const failed = await jobs.fail(job.id, { reason: 'invalid_document', message: 'bad', files: ['resume'] }, new Date(), started);
  expect(failed).toMatchObject({ status: 'failed', progress: 60 });
  expect(await jobs.markActive(job.id, 2, new Date())).toBeNull();
  expect(await jobs.findById(job.id)).toMatchObject({ status: 'failed', stage: 'failed', progress: 60, attempts: 1, startedAt: started });
  expect(await jobs.markActive(randomUUID(), 1, new Date())).toBeNull();
});

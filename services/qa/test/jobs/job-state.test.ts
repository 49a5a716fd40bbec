import { randomUUID } from 'node:crypto';
import { createLogger, EventBus, EventOutbox, type EventOf, type RedisClient } from '@app/common';
import { mongoOutboxStore } from '@app/common/mongo';
import { AMQP_URL, REDIS_URL } from '@app/testkit/servers';
import { waitFor } from '@app/testkit/wait';
import { bullRedis } from '../../src/jobs/analysis-queue';
import { JobChangePublisher, JobChanges, type JobChange } from '../../src/jobs/job-changes';
import { JobState, jobEndEventId } from '../../src/jobs/job-state';
import { newJob, useJobStore } from '../data/job-store';

// A job's record is the one source of truth; JobState writes it and derives every other channel from
// what it wrote: Redis pub/sub, the BullMQ job's progress, the outbox event and the quota release.
const store = useJobStore();
const logger = createLogger('qa-test', 'silent');
const channel = `qa:test-${randomUUID()}:job-changes`;
let publisher: RedisClient;
let subscriber: JobChanges;
// Never started: the outbox keeps what it is given, so the test reads the entries a change wrote.
const bus = new EventBus({ url: AMQP_URL, service: 'qa-test', logger });
let state: JobState;
const released: string[] = [];

beforeAll(async () => {
  publisher = bullRedis(REDIS_URL, logger, 'qa-test-changes', 'producer');
  subscriber = new JobChanges(REDIS_URL, channel, logger);
  const outbox = new EventOutbox<EventOf<'qa'>>(mongoOutboxStore(store.db), bus, logger, { sweepMs: 60_000 });
  state = new JobState({
    jobs: store.jobs,
    outbox,
    changes: new JobChangePublisher(publisher, channel, logger),
    onFinished: async (job) => {
      released.push(job.id);
    },
    logger,
  });
  // The subscription is ready once a message of its own comes back.
  const probe = randomUUID();
  const heard: JobChange[] = [];
  const stop = subscriber.watch(probe, (change) => heard.push(change));
  await waitFor('the subscription', async () => {
    await publisher.publish(channel, JSON.stringify({ id: probe, status: 'queued' }));
    return heard.length > 0;
  });
  stop();
});

afterAll(async () => {
  await subscriber?.close();
  await publisher?.quit();
  await bus.close();
});

async function startedJob() {
  const job = await store.jobs.insert(newJob(`user-${randomUUID()}`, new Date()));
  const heard: JobChange[] = [];
  subscriber.watch(job.id, (change) => heard.push(change));
  return { job, heard };
}

const outboxOf = (jobId: string) => store.db.collection('outbox').find({ 'data.jobId': jobId }).toArray();

test('when a job starts, progresses and completes, then each channel says what its record says after each change', async () => {
  const { job, heard } = await startedJob();
  const progressCopies: Array<{ stage: string; progress: number }> = [];
  const queued = { updateProgress: async (progress: { stage: string; progress: number }) => void progressCopies.push(progress) };

  const active = await state.change(job.id, { to: 'active', attempts: 1, at: new Date() });
  expect(active).toMatchObject({ status: 'active', stage: 'started' });
  await waitFor('the start on pub/sub', () => heard.some((c) => c.status === 'active' && c.stage === 'started'));

  await state.change(job.id, { to: 'progress', stage: 'analyse', progress: 60, attempts: 1 }, queued);
  expect(await store.jobs.findById(job.id)).toMatchObject({ status: 'active', stage: 'analyse', progress: 60 });
  expect(progressCopies).toEqual([{ stage: 'analyse', progress: 60 }]);
  await waitFor('the progress on pub/sub', () => heard.some((c) => c.stage === 'analyse' && c.progress === 60));

  const completed = await state.change(job.id, {
    to: 'completed',
    owner: job.owner,
    result: { questions: [] },
    at: new Date(),
    startedAt: active!.startedAt,
  });
  expect(completed).toMatchObject({ status: 'completed', progress: 100 });
  expect(await store.jobs.findById(job.id)).toMatchObject({ status: 'completed', stage: 'completed', progress: 100 });
  await waitFor('the end on pub/sub', () => heard.some((c) => c.status === 'completed'));
  const entries = await outboxOf(job.id);
  expect(entries).toEqual([
    expect.objectContaining({ _id: jobEndEventId(completed!), type: 'qa.job.completed', data: { userId: job.owner, jobId: job.id } }),
  ]);
  expect(released).toContain(job.id);
});

test('when a job whose end was decided is completed or failed again, then its record keeps the first end, which is told again under the same event id', async () => {
  const { job, heard } = await startedJob();
  const active = await state.change(job.id, { to: 'active', attempts: 1, at: new Date() });
  const first = await state.change(job.id, {
    to: 'failed',
    error: { reason: 'invalid_document', message: 'bad', files: [] },
    at: new Date(),
    startedAt: active!.startedAt,
  });
  expect(first).toMatchObject({ status: 'failed' });
  await waitFor('the end on pub/sub', () => heard.filter((c) => c.status === 'failed').length === 1);

  const again = await state.change(job.id, { to: 'completed', owner: job.owner, result: {}, at: new Date(), startedAt: active!.startedAt });
  expect(again).toBeNull();
  expect(await store.jobs.findById(job.id)).toMatchObject({ status: 'failed', stage: 'failed' });
  await waitFor('the end told again', () => heard.filter((c) => c.status === 'failed').length === 2);
  expect(heard.some((c) => c.status === 'completed')).toBe(false);
  // One logical event: the entry written the second time is the first one.
  expect((await outboxOf(job.id)).map((entry) => [entry._id, entry.type])).toEqual([[jobEndEventId(first!), 'qa.job.failed']]);
});

test('when a finished job is asked to retry, then its record stays and nothing is told', async () => {
  const { job, heard } = await startedJob();
  const active = await state.change(job.id, { to: 'active', attempts: 1, at: new Date() });
  await state.change(job.id, { to: 'completed', owner: job.owner, result: {}, at: new Date(), startedAt: active!.startedAt });
  await waitFor('the end on pub/sub', () => heard.some((c) => c.status === 'completed'));
  const before = heard.length;
  await state.change(job.id, { to: 'retrying', error: { reason: 'processing_failed', message: 'x', files: [] }, attempts: 2 });
  expect(await store.jobs.findById(job.id)).toMatchObject({ status: 'completed' });
  // A message sent now would arrive after this probe's own.
  const probe = await startedJob();
  await publisher.publish(channel, JSON.stringify({ id: probe.job.id, status: 'queued' }));
  await waitFor('the probe', () => probe.heard.length > 0);
  expect(heard).toHaveLength(before);
});

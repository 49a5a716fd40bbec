import { randomUUID } from 'node:crypto';
import { newJob as jobFields, useJobStore } from './job-store';

// Starting a job is one write by `_id` alone; a finished job that BullMQ hands out again stays finished.
const store = useJobStore();
const newJob = () => store.jobs.insert(jobFields(`user-${randomUUID()}`, new Date()));

test('when a queued job starts, then it is active with its first start kept, and a second start keeps that time', async () => {
  const job = await newJob();
  const first = new Date(Date.now() - 1000);
  expect(await store.jobs.markActive(job.id, 1, first)).toMatchObject({ status: 'active', stage: 'started', attempts: 1, startedAt: first });
  expect(await store.jobs.markActive(job.id, 2, new Date())).toMatchObject({ status: 'active', attempts: 2, startedAt: first });
  expect(await store.jobs.findById(job.id)).toMatchObject({ status: 'active', attempts: 2, startedAt: first });
});

test('when a finished job is started again, then nothing starts and the job keeps its outcome, stage, progress and attempts', async () => {
  const job = await newJob();
  const started = new Date(Date.now() - 1000);
  await store.jobs.markActive(job.id, 1, started);
  await store.jobs.setStage(job.id, 'analyse', 60);
  const failed = await store.jobs.fail(job.id, { reason: 'invalid_document', message: 'bad', files: ['resume'] }, new Date(), started);
  expect(failed).toMatchObject({ status: 'failed', progress: 60 });
  expect(await store.jobs.markActive(job.id, 2, new Date())).toBeNull();
  expect(await store.jobs.findById(job.id)).toMatchObject({ status: 'failed', stage: 'failed', progress: 60, attempts: 1, startedAt: started });
  expect(await store.jobs.markActive(randomUUID(), 1, new Date())).toBeNull();
});

import { randomUUID } from 'node:crypto';
import type { CommandStartedEvent } from 'mongodb';
import type { JobError } from '../../src/domain/qa-job';
import { newJob, useJobStore } from './job-store';

// A job ends once: the first completion or failure to insert its decision wins, and every read and
// write that ends it goes by `_id` alone, the one filter FerretDB answers without reading every job.
const store = useJobStore();
const started: CommandStartedEvent[] = [];

beforeAll(() => {
  store.connection.getClient().on('commandStarted', (event: CommandStartedEvent) => started.push(event));
});

async function runningJob() {
  const job = await store.jobs.insert(newJob(`user-${randomUUID()}`, new Date()));
  await store.jobs.markActive(job.id, 1, new Date(Date.now() - 1000));
  return job;
}
const failure: JobError = { reason: 'invalid_document', message: 'bad', files: ['resume'] };

/** The filters of the reads, updates and deletes sent since `from`, on the jobs' collections. */
function filtersSince(from: number): Array<Record<string, unknown>> {
  const filters: Array<Record<string, unknown>> = [];
  for (const event of started.slice(from)) {
    const command = event.command as Record<string, unknown>;
    if (event.commandName === 'find' || event.commandName === 'findAndModify')
      filters.push((command.filter ?? command.query) as Record<string, unknown>);
    if (event.commandName === 'update') for (const u of command.updates as Array<{ q: Record<string, unknown> }>) filters.push(u.q);
    if (event.commandName === 'delete') for (const d of command.deletes as Array<{ q: Record<string, unknown> }>) filters.push(d.q);
  }
  return filters;
}

test('when a job completes, then it is completed once: a later failure or completion of it changes nothing', async () => {
  const job = await runningJob();
  const from = started.length;
  const completed = await store.jobs.complete(job.id, job.owner, { ok: true }, new Date(), new Date(Date.now() - 1000));
  expect(completed).toMatchObject({ id: job.id, status: 'completed', progress: 100 });
  expect(await store.jobs.fail(job.id, failure, new Date())).toBeNull();
  expect(await store.jobs.complete(job.id, job.owner, { ok: 'again' }, new Date(), null)).toBeNull();
  await store.jobs.markRetrying(job.id, failure);
  expect(await store.jobs.findById(job.id)).toMatchObject({ status: 'completed', stage: 'completed', error: null });

  const filters = filtersSince(from);
  expect(filters.length).toBeGreaterThan(0);
  for (const filter of filters) expect(Object.keys(filter)).toEqual(['_id']);
  // The first completion's result is the one kept, in its decision.
  expect(await store.db.collection('qa_job_finishes').findOne({ _id: job.id as never })).toMatchObject({ owner: job.owner });
  expect(await store.jobs.findOwned(job.id, job.owner)).toMatchObject({ result: { ok: true } });
});

test('when a completed job is read from its decision alone, then it reads as the job and its result read separately', async () => {
  const job = await runningJob();
  const result = { questions: Array.from({ length: 50 }, (_, i) => ({ text: `Question ${i} about node.js and $money`, skill: 'é' })) };
  await store.jobs.complete(job.id, job.owner, result, new Date(), (await store.jobs.findById(job.id))!.startedAt);
  const whole = await store.jobs.findOwned(job.id, job.owner);
  expect(whole).toMatchObject({ status: 'completed', result });
  expect(await store.jobs.findCompleted(job, 1)).toEqual(whole);
  // Not completed (yet, or ever): read as findOwned reads it.
  const other = await runningJob();
  expect(await store.jobs.findCompleted(other, 1)).toEqual(await store.jobs.findOwned(other.id, other.owner));
});

test('when a completion and a failure of one job race, then exactly one of them ends it, and the job shows that one', async () => {
  for (let round = 0; round < 10; round += 1) {
    const job = await runningJob();
    const [completed, failed] = await Promise.all([
      store.jobs.complete(job.id, job.owner, { round }, new Date(), null),
      store.jobs.fail(job.id, failure, new Date(), null),
    ]);
    expect([completed, failed].filter((ended) => ended !== null)).toHaveLength(1);
    const winner = (completed ?? failed)!;
    expect(await store.jobs.findById(job.id)).toMatchObject({ status: winner.status });
  }
});

test('when the finisher that decided stopped before writing the job, then the next finisher writes that decision, not its own', async () => {
  const job = await runningJob();
  const decidedAt = new Date(Date.now() - 500);
  // What a worker that died between its two writes leaves: the decision, and a job still active.
  await store.db.collection('qa_job_finishes').insertOne({
    _id: job.id as never,
    at: decidedAt,
    fields: { status: 'failed', stage: 'failed', error: failure, finishedAt: decidedAt, durationMs: 500 },
  });
  expect(await store.jobs.findById(job.id)).toMatchObject({ status: 'active' });

  expect(await store.jobs.complete(job.id, job.owner, { late: true }, new Date(), null)).toBeNull();
  expect(await store.jobs.findById(job.id)).toMatchObject({ status: 'failed', stage: 'failed', error: failure, finishedAt: decidedAt });
});

test('when a job is deleted, then its decision goes with it; a job deleted while it ran is not ended and keeps no decision', async () => {
  const done = await runningJob();
  await store.jobs.fail(done.id, failure, new Date(), null);
  expect(await store.jobs.deleteById(done.id)).toBe(true);
  expect(await store.db.collection('qa_job_finishes').countDocuments({ _id: done.id as never })).toBe(0);

  const gone = await runningJob();
  await store.jobs.deleteById(gone.id);
  expect(await store.jobs.complete(gone.id, gone.owner, { orphan: true }, new Date(), null)).toBeNull();
  expect(await store.db.collection('qa_job_finishes').countDocuments({ _id: gone.id as never })).toBe(0);
});

test("when a user's data is removed, then results a crashed worker left in decisions without their job go too", async () => {
  const job = await runningJob();
  await store.jobs.complete(job.id, job.owner, { personal: true }, new Date(), null);
  // What a worker that stopped between the decision and the job's deletion check leaves behind.
  await store.db.collection('qajobs').deleteOne({ _id: job.id as never });
  await store.jobs.deleteResultsOf(job.owner);
  expect(await store.db.collection('qa_job_finishes').countDocuments({ _id: job.id as never })).toBe(0);
});

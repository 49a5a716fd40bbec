import { randomUUID } from 'node:crypto';
import type { Connection } from 'mongoose';
import type { QaJobRepository } from '../../src/data/qa-job-repository';
import { newJob, useJobStore } from './job-store';

// The worker's sweep re-announces finished jobs whose event the broker never confirmed. It must read
// what is due, not every job ever run: documents read are counted from the server's replies.
const store = useJobStore();
let db: Connection;
let jobs: QaJobRepository;
beforeAll(() => {
  ({ db, jobs } = store);
});

async function finishedJob(owner: string, at: Date, announced: boolean): Promise<string> {
  const { id } = await jobs.insert(newJob(owner, at));
  await jobs.markActive(id, 1, at);
  await jobs.complete(id, owner, { ok: true }, at, at);
  // What a worker leaves when the broker did not confirm the job's event.
  if (!announced) await jobs.noteUnannounced(id, at);
  return id;
}

describe('the announce sweep', () => {
  it('when many jobs were announced and a few were not, then it returns those few and reads only them', async () => {
    const owner = `owner-${randomUUID()}`;
    const longAgo = new Date(Date.now() - 60_000);
    for (let i = 0; i < 60; i += 1) await finishedJob(owner, longAgo, true);
    const unconfirmed = [await finishedJob(owner, longAgo, false), await finishedJob(owner, longAgo, false)];
    const justNow = await finishedJob(owner, new Date(), false);

    store.resetReads();
    const due = await jobs.unannounced(new Date(Date.now() - 15_000), 50);
    expect(due.map((job) => job.id).sort()).toEqual([...unconfirmed].sort());
    // Three notes and their three jobs: nothing of the 60 announced jobs is read.
    expect(store.documentsRead()).toBe(6);

    // Once announced, a job leaves the sweep for good; one still within its grace period waits.
    for (const id of unconfirmed) await jobs.markEventPublished(id);
    expect(await jobs.unannounced(new Date(Date.now() - 15_000), 50)).toEqual([]);
    expect((await jobs.unannounced(new Date(Date.now() + 1000), 50)).map((job) => job.id)).toEqual([justNow]);
  });

  it('when a job with a pending announcement is deleted, then its note goes too', async () => {
    const owner = `owner-${randomUUID()}`;
    const id = await finishedJob(owner, new Date(Date.now() - 60_000), false);
    await jobs.deleteById(id);
    expect(await db.collection('qa_announcements').countDocuments({ _id: id as never })).toBe(0);
  });
});

import { randomUUID } from 'node:crypto';
import type { Connection } from 'mongoose';
import { uniqueId } from '@app/tests/support/servers';
import { QaJobRepository, ownerJobsCollectionName } from '../../src/data/qa-job-repository';
import { newJob, storedFile, useJobStore } from './job-store';

// A user's job list and the check of two uploads racing read that user's own entries, not every job.
const store = useJobStore();
let db: Connection;
let jobs: QaJobRepository;
beforeAll(() => {
  ({ db, jobs } = store);
});

describe("each user's job entries", () => {
  it("when two users have jobs, then each list comes from that user's entries, newest first, and deleting a job removes its entry", async () => {
    const alice = `alice-${randomUUID()}`;
    const bob = `bob-${randomUUID()}`;
    const base = Date.now() - 100_000;
    const mine = [];
    for (let i = 0; i < 5; i += 1) mine.push(await jobs.insert(newJob(alice, new Date(base + i * 1000))));
    await jobs.insert(newJob(bob, new Date(base)));

    expect(await db.collection(ownerJobsCollectionName(alice)).countDocuments({})).toBe(5);
    const page = await jobs.listOwned(alice, 1, 3);
    expect(page.total).toBe(5);
    expect(page.items.map((job) => job.id)).toEqual(
      mine
        .slice(2)
        .reverse()
        .map((job) => job.id),
    );
    expect((await jobs.listOwned(alice, 2, 3)).items.map((job) => job.id)).toEqual(
      mine
        .slice(0, 2)
        .reverse()
        .map((job) => job.id),
    );

    await jobs.deleteById(mine[4]!.id);
    expect(await db.collection(ownerJobsCollectionName(alice)).countDocuments({})).toBe(4);
    expect((await jobs.listOwned(alice, 1, 10)).total).toBe(4);
    expect((await jobs.listAllOwned(bob)).map((job) => job.owner)).toEqual([bob]);
  });

  it("when the same documents race into one dedup bucket, then one job is made and the loser finds it in the owner's entries", async () => {
    const owner = `owner-${randomUUID()}`;
    const first = await jobs.insert(newJob(owner, new Date(), 'same-hash', 7));
    expect((await jobs.findInBucket(owner, 'same-hash', 7))?.id).toBe(first.id);
    expect(await jobs.findInBucket(`other-${randomUUID()}`, 'same-hash', 7)).toBeNull();
    await expect(jobs.insert(newJob(owner, new Date(), 'same-hash', 7))).rejects.toThrow('a job with the same documents exists');
    // The losing insert leaves no entry behind.
    expect(await db.collection(ownerJobsCollectionName(owner)).countDocuments({})).toBe(1);
  });

  it('when jobs were written by an earlier version without entries, then they are listed after start', async () => {
    const older = store.connection.useDb(uniqueId());
    try {
      const owner = `owner-${randomUUID()}`;
      await older.collection('qajobs').insertOne({
        _id: 'legacy-job' as never,
        owner,
        status: 'completed',
        progress: 100,
        stage: 'completed',
        contentHash: 'h',
        dedupBucket: 0,
        files: { resume: storedFile('r.pdf'), jd: storedFile('j.pdf') },
        createdAt: new Date(),
        finishedAt: new Date(),
        durationMs: 1,
        attempts: 1,
        error: null,
        eventPublishedAt: new Date(),
        completions: 1,
      });
      const repository = new QaJobRepository(older);
      await repository.ensureIndexes();
      expect((await repository.listOwned(owner, 1, 10)).items.map((job) => job.id)).toEqual(['legacy-job']);
    } finally {
      await older.dropDatabase();
    }
  });
});

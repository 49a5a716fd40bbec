import { randomUUID } from 'node:crypto';
import type { Connection } from 'mongoose';
import type { QaJobRepository } from '../../src/data/qa-job-repository';
import { newJob, useJobStore } from './job-store';

// Every user's jobs share `qajobs`; a user's list, count and the check of two uploads racing name the
// owner first, so the compound indexes beginning with it serve them.
const store = useJobStore();
let db: Connection;
let jobs: QaJobRepository;
beforeAll(() => {
  ({ db, jobs } = store);
});

describe("a user's jobs in the shared collection", () => {
  it("when two users have jobs, then each list holds that user's jobs alone, newest first, and a deleted job leaves it", async () => {
    const alice = `alice-${randomUUID()}`;
    const bob = `bob-${randomUUID()}`;
    const base = Date.now() - 100_000;
    const mine = [];
    for (let i = 0; i < 5; i += 1) mine.push(await jobs.insert(newJob(alice, new Date(base + i * 1000))));
    await jobs.insert(newJob(bob, new Date(base)));

    expect(await db.collection('qajobs').countDocuments({ owner: alice })).toBe(5);
    const collections = (await db.db!.listCollections().toArray()).map((c) => c.name);
    expect(collections.filter((name) => /^qajobs_/.test(name))).toEqual([]);
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
    expect(await db.collection('qajobs').countDocuments({ owner: alice })).toBe(4);
    expect((await jobs.listOwned(alice, 1, 10)).total).toBe(4);
    expect((await jobs.listAllOwned(bob)).map((job) => job.owner)).toEqual([bob]);
  });

  it('when the indexes are built, then the list and the dedup check each have one beginning with the owner', async () => {
    const keys = (await db.collection('qajobs').indexes()).map((index) => JSON.stringify(index.key));
    expect(keys).toContain(JSON.stringify({ owner: 1, createdAt: -1, _id: -1 }));
    expect(keys).toContain(JSON.stringify({ owner: 1, contentHash: 1, dedupBucket: 1 }));
  });

  it('when the same documents race into one dedup bucket, then one job is made and the loser finds it', async () => {
    const owner = `owner-${randomUUID()}`;
    const first = await jobs.insert(newJob(owner, new Date(), 'same-hash', 7));
    expect((await jobs.findInBucket(owner, 'same-hash', 7))?.id).toBe(first.id);
    expect(await jobs.findInBucket(`other-${randomUUID()}`, 'same-hash', 7)).toBeNull();
    await expect(jobs.insert(newJob(owner, new Date(), 'same-hash', 7))).rejects.toThrow('a job with the same documents exists');
    expect(await db.collection('qajobs').countDocuments({ owner })).toBe(1);
  });
});

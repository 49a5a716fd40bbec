import { randomUUID } from 'node:crypto';
import type { Connection } from 'mongoose';
import { countingConnection, type CountingConnection } from '@app/tests/support/databases';
import { waitFor } from '@app/tests/support/wait';
import { IdempotencyKeyStore, idempotencyKeyId } from '../src/data/idempotency-key-store';
import { createModels, type RecordsModels } from '../src/data/models';
import { OutboxStore } from '../src/data/outbox-store';
import { ownerCollectionName } from '../src/data/record-repository';
import { newUser, startRecords, type RecordsUnderTest } from './support/records-harness';

// What stays cheap as data accumulates: timers read only what is due, and the outbox holds only what
// the broker has not confirmed. Documents read are counted from the server's replies.
let records: RecordsUnderTest;
let counting: CountingConnection;
let client: Connection;
let serviceDb: Connection;

beforeAll(async () => {
  records = await startRecords({ OUTBOX_SWEEP_MS: '200' });
  counting = await countingConnection();
  client = counting.connection;
  serviceDb = client.useDb(records.db);
});

afterAll(async () => {
  await counting?.close();
  await records?.stop();
});

/** Runs `work` and counts the documents the server sent back to find and getMore meanwhile. */
async function documentsReadBy<T>(work: () => Promise<T>): Promise<{ value: T; documentsRead: number }> {
  counting.resetReads();
  const value = await work();
  return { value, documentsRead: counting.documentsRead() };
}

async function scratchModels(): Promise<{ db: Connection; models: RecordsModels }> {
  const db = client.useDb(`test-${randomUUID()}`);
  return { db, models: createModels(db) };
}

describe('the outbox', () => {
  it('when records are written and the broker confirmed their events, then the outbox is empty again', async () => {
    const user = newUser();
    for (let i = 0; i < 20; i += 1) await records.create(user);
    await waitFor('the outbox to empty', async () => ((await serviceDb.collection('outbox').countDocuments({})) === 0 ? true : undefined));
  });

  it('when the sweep looks for leftovers, then it reads a batch from the head, not the whole outbox', async () => {
    const { db, models } = await scratchModels();
    try {
      await db
        .collection('outbox')
        .insertMany(
          Array.from({ length: 700 }, (_, i) => ({ type: 'record.created', data: { owner: 'o', id: i }, createdAt: new Date(Date.now() - i) })),
        );
      const { value, documentsRead } = await documentsReadBy(() => new OutboxStore(models.outbox).oldest(50));
      expect(value).toHaveLength(50);
      expect(documentsRead).toBe(50);
      // Oldest first within the batch.
      expect([...value].sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime())).toEqual(value);
    } finally {
      await db.dropDatabase();
    }
  });
});

describe('the idempotency-key purge', () => {
  it('when a few keys expired and many live ones follow, then it deletes those few and reads about one batch past them', async () => {
    const { db, models } = await scratchModels();
    try {
      const owner = newUser().id;
      const doc = (key: string, createdAt: Date) => ({
        _id: idempotencyKeyId(owner, key),
        owner,
        key,
        requestHash: 'h',
        response: null,
        createdAt,
        completedAt: null,
      });
      const longAgo = new Date(Date.now() - 48 * 3_600_000);
      const keys = db.collection<{ _id: string }>('idempotency_keys');
      await keys.insertMany(Array.from({ length: 30 }, (_, i) => doc(`old-${i}`, longAgo)));
      for (let batch = 0; batch < 6; batch += 1) {
        await keys.insertMany(Array.from({ length: 500 }, (_, i) => doc(`new-${batch}-${i}`, new Date())));
      }

      const store = new IdempotencyKeyStore(models.idempotencyKeys);
      const { value: removed, documentsRead } = await documentsReadBy(() => store.removeOlderThan(new Date(Date.now() - 24 * 3_600_000)));
      expect(removed).toBe(30);
      // The head batch with the expired ones, then one batch with none: two batches of 500, not 3,030 keys.
      expect(documentsRead).toBeLessThanOrEqual(1000);
      expect(await keys.countDocuments({})).toBe(3000);
      expect(await store.find(owner, 'new-5-499')).toMatchObject({ key: 'new-5-499' });
      expect(await store.find(owner, 'old-0')).toBeNull();
    } finally {
      await db.dropDatabase();
    }
  });
});

describe("each owner's collection", () => {
  it("when two users write records, then each user's records sit in that user's collection alone, so a list reads only theirs", async () => {
    const alice = newUser();
    const bob = newUser();
    for (let i = 0; i < 3; i += 1) await records.create(alice);
    await records.create(bob);
    expect(await serviceDb.collection(ownerCollectionName(alice.id)).countDocuments({})).toBe(3);
    expect(await serviceDb.collection(ownerCollectionName(bob.id)).countDocuments({})).toBe(1);
    expect(await serviceDb.collection(ownerCollectionName(alice.id)).countDocuments({ owner: { $ne: alice.id } })).toBe(0);
    expect((await records.call(alice, 'GET', '/records/')).body.total).toBe(3);
  });

  it('when an earlier version left records in one shared collection, then they move to their owners, keeping their ids', async () => {
    const db = `test-${randomUUID()}`;
    const owner = newUser();
    const now = new Date();
    const shared = Array.from({ length: 5 }, (_, i) => ({
      _id: String(9000 + i),
      id: 9000 + i,
      owner: owner.id,
      option_type: 'opportunity',
      description: `old ${i}`,
      status: 'active',
      createdAt: now,
      updatedAt: now,
      version: 1,
    }));
    await client.useDb(db).collection<{ _id: string }>('records').insertMany(shared);
    const upgraded = await startRecords({ MONGO_DB: db });
    try {
      const listed = await waitFor('the moved records', async () => {
        const answer = await upgraded.call(owner, 'GET', '/records/');
        return answer.body.total === 5 ? answer.body : undefined;
      });
      expect(listed.items.map((r: { id: number }) => r.id).sort()).toEqual([9000, 9001, 9002, 9003, 9004]);
      expect(await client.useDb(db).collection('records').countDocuments({})).toBe(0);
      // The counter moved past the adopted ids.
      expect((await upgraded.create(owner)).body.id).toBeGreaterThan(9004);
    } finally {
      await upgraded.stop();
      await client.useDb(db).dropDatabase();
    }
  });
});

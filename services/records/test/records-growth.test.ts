import { randomUUID } from 'node:crypto';
import type { Connection } from 'mongoose';
import { mongoOutboxStore } from '@app/common/mongo';
import { countingConnection, type CountingConnection } from '@app/testkit/databases';
import { waitFor } from '@app/testkit/wait';
import { IdempotencyKeyStore, idempotencyKeyId } from '../src/data/idempotency-key-store';
import { createModels, type RecordsModels } from '../src/data/models';
import { PAGE_LIMITS } from '../src/domain/record';
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
    const { db } = await scratchModels();
    try {
      await db
        .collection('outbox')
        .insertMany(
          Array.from({ length: 700 }, (_, i) => ({ type: 'record.created', data: { owner: 'o', id: i }, createdAt: new Date(Date.now() - i) })),
        );
      const { value, documentsRead } = await documentsReadBy(() => mongoOutboxStore(db).oldest(50));
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

      const store = new IdempotencyKeyStore(models.idempotencyKeys, models.idempotencyTakeovers);
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

describe('the shared records collection', () => {
  it("when two users write records, then both sit in one collection, each numbered from 1, and a list shows only the caller's", async () => {
    const alice = newUser();
    const bob = newUser();
    for (let i = 0; i < 3; i += 1) await records.create(alice);
    const bobs = await records.create(bob);
    expect(bobs.body.id).toBe(1);
    const stored = serviceDb.collection('records');
    expect(await stored.countDocuments({ owner: alice.id })).toBe(3);
    expect(await stored.countDocuments({ owner: bob.id })).toBe(1);
    expect(await stored.findOne({ _id: `${bob.id}:1` as never })).toMatchObject({ owner: bob.id, id: 1 });
    const collections = (await serviceDb.db!.listCollections().toArray()).map((c) => c.name);
    expect(collections.filter((name) => /^records_/.test(name))).toEqual([]);
    const listed = await records.call(alice, 'GET', '/records/?sort=createdAt');
    expect(listed.body.total).toBe(3);
    expect(listed.body.items.map((r: { id: number }) => r.id)).toEqual([1, 2, 3]);
  });

  it('when a user has more records than the exact bound, then total stops at the bound and says it is a lower bound', async () => {
    const user = newUser();
    const at = Date.now() - 1_000_000;
    const stored = serviceDb.collection('records');
    const docs = Array.from({ length: PAGE_LIMITS.exactTotal + 1 }, (_, i) => ({
      _id: `${user.id}:${i + 1}`,
      id: i + 1,
      owner: user.id,
      option_type: 'opportunity',
      description: `record ${i + 1}`,
      status: i % 2 === 0 ? 'active' : 'closed',
      createdAt: new Date(at + i),
      updatedAt: new Date(at + i),
      version: 1,
    }));
    await stored.insertMany(docs as never[]);

    const over = await records.call(user, 'GET', '/records/?limit=5');
    expect(over.body).toMatchObject({ total: PAGE_LIMITS.exactTotal, totalIsLowerBound: true });
    expect(over.body.items.map((r: { id: number }) => r.id)).toEqual([1001, 1000, 999, 998, 997]);
    const filtered = await records.call(user, 'GET', '/records/?limit=5&status=active');
    expect(filtered.body).toMatchObject({ total: 501, totalIsLowerBound: false });

    // One record fewer: exactly the bound, counted exactly.
    await records.call(user, 'DELETE', '/records/1001');
    const atBound = await records.call(user, 'GET', '/records/?limit=5');
    expect(atBound.body).toMatchObject({ total: PAGE_LIMITS.exactTotal, totalIsLowerBound: false });
  });

  it('when the service is ready, then every list, filter and sort has a compound index beginning with the owner', async () => {
    const indexes = await serviceDb.collection('records').indexes();
    const keys = indexes.map((index) => JSON.stringify(index.key));
    for (const sort of ['createdAt', 'updatedAt']) {
      expect(keys).toContain(JSON.stringify({ owner: 1, [sort]: -1, id: -1 }));
      expect(keys).toContain(JSON.stringify({ owner: 1, status: 1, [sort]: -1, id: -1 }));
      expect(keys).toContain(JSON.stringify({ owner: 1, option_type: 1, [sort]: -1, id: -1 }));
      expect(keys).toContain(JSON.stringify({ owner: 1, status: 1, option_type: 1, [sort]: -1, id: -1 }));
    }
  });
});

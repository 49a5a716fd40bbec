import { randomUUID } from 'node:crypto';
import mongoose, { type Connection } from 'mongoose';
import { infraEnv } from '../support/e2e-stack';

// Every repository in the project reads, updates and deletes by `_id`, because that is the one filter
// FerretDB v1 pushes down. The build in infra/ferretdb patches it so that SQLite answers that filter from
// the `_id` index; unpatched, each such call reads the whole collection.
let connection: Connection;
const dbName = `e2e-store-${randomUUID().slice(0, 8)}`;

beforeAll(async () => {
  connection = await mongoose.createConnection(infraEnv().MONGO_URL, { dbName }).asPromise();
});

afterAll(async () => {
  await connection.dropDatabase().catch(() => undefined);
  await connection.close();
});

async function isFerretDb(): Promise<boolean> {
  const info = (await connection.db!.admin().command({ buildInfo: 1 })) as { ferretdbVersion?: unknown };
  return info.ferretdbVersion !== undefined;
}

/** How the server plans `find(filter)`: FerretDB prints SQLite's plan, MongoDB its stages. */
async function plan(collection: string, filter: Record<string, unknown>): Promise<string> {
  const explained = await connection.db!.collection(collection).find(filter).explain();
  return JSON.stringify(explained.queryPlanner);
}

test('a lookup by _id is answered from the index, among thousands of documents', async () => {
  const docs = connection.db!.collection<{ _id: string; n: number }>('docs');
  for (let i = 0; i < 3000; i += 1000) {
    await docs.insertMany(Array.from({ length: 1000 }, (_, j) => ({ _id: `doc-${i + j}`, n: i + j })));
  }
  const found = await plan('docs', { _id: 'doc-2500' });
  if (await isFerretDb()) {
    expect(found).toMatch(/SEARCH \S+ USING INDEX \S+__id_/);
    expect(found).not.toMatch(/\bSCAN\b/);
  } else {
    expect(found).toMatch(/IDHACK|EXPRESS_IXSCAN|IXSCAN/);
  }
});

test('reads, updates and deletes by _id touch exactly their document, string and ObjectId ids alike', async () => {
  const docs = connection.db!.collection<{ _id: string | mongoose.Types.ObjectId; n: number }>('mixed');
  const oid = new mongoose.Types.ObjectId();
  await docs.insertMany([
    { _id: 'a', n: 1 },
    { _id: 'b', n: 2 },
    { _id: oid, n: 3 },
  ]);

  expect(await docs.findOne({ _id: oid })).toEqual({ _id: oid, n: 3 });
  expect((await docs.updateOne({ _id: 'a' }, { $set: { n: 10 } })).modifiedCount).toBe(1);
  expect((await docs.updateOne({ _id: oid }, { $inc: { n: 1 } })).modifiedCount).toBe(1);
  expect((await docs.deleteOne({ _id: 'b' })).deletedCount).toBe(1);
  expect((await docs.deleteOne({ _id: 'missing' })).deletedCount).toBe(0);

  const all = await docs.find({}).sort({ n: 1 }).toArray();
  expect(all).toEqual([
    { _id: oid, n: 4 },
    { _id: 'a', n: 10 },
  ]);
  await expect(docs.insertOne({ _id: 'a', n: 0 })).rejects.toMatchObject({ code: 11000 });
});

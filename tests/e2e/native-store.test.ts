import { randomUUID } from 'node:crypto';
import mongoose, { type Connection } from 'mongoose';
import { infraEnv } from '@app/testkit/e2e-stack';

// Unpatched, FerretDB v1 pushes down only a filter that is exactly `{_id}`, and SQLite reads the whole
// collection for it. The build in infra/ferretdb patches it (docs/storage.md, "FerretDB patches") so that
// `_id` lookups, equalities on indexed fields and sorted pages are answered from indexes.
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

// Pages of a user's records and QA job entries, in shared collections keyed by owner. On FerretDB the
// patches in infra/ferretdb (see docs/storage.md, "FerretDB patches") build non-unique indexes as typed
// indexes that keep MongoDB's order, so each of these query forms is a SEARCH of one index with no sort
// step: a page costs the page, not the owner's data and not the collection.
describe('pages of one owner among thousands of documents of several owners', () => {
  type Row = {
    _id: string;
    owner: unknown;
    id: unknown;
    createdAt?: unknown;
    updatedAt?: unknown;
    status?: string;
    option_type?: string;
    version?: number;
  };
  const at = new Date('2026-01-01T00:00:00Z');
  const mid = new Date(at.getTime() + 300_000);
  const rows = () => connection.db!.collection<Row>('records');

  beforeAll(async () => {
    const records = rows();
    await records.createIndexes([
      { key: { owner: 1, createdAt: -1, id: -1 }, name: 'owner_createdAt_id' },
      { key: { owner: 1, updatedAt: -1, id: -1 }, name: 'owner_updatedAt_id' },
      { key: { owner: 1, status: 1, createdAt: -1, id: -1 }, name: 'owner_status_createdAt_id' },
      { key: { owner: 1, option_type: 1, createdAt: -1, id: -1 }, name: 'owner_option_type_createdAt_id' },
      { key: { owner: 1, id: 1 }, name: 'owner_id', unique: true },
    ]);
    // 4 owners, one with 2,000 documents; several documents share a createdAt (ties broken by id).
    const owners = ['big', 'u1', 'u2', 'u3'];
    for (const [o, owner] of owners.entries()) {
      const count = o === 0 ? 2000 : 400;
      const docs = Array.from({ length: count }, (_, i): Row => {
        const id = i + 1;
        return {
          _id: `${owner}-${id}`,
          owner,
          id,
          createdAt: new Date(at.getTime() + Math.floor(i / 3) * 1000),
          updatedAt: new Date(at.getTime() + ((i * 7919) % count) * 1000),
          status: ['open', 'done', 'failed'][i % 3]!,
          option_type: ['call', 'put'][i % 2]!,
          version: 1,
        };
      });
      for (let i = 0; i < docs.length; i += 1000) await records.insertMany(docs.slice(i, i + 1000));
    }
  });

  /** The plan of a sorted, limited find: SQLite's rows on FerretDB, the winning plan on MongoDB. */
  async function findPlan(filter: Record<string, unknown>, sort: Record<string, 1 | -1>): Promise<string> {
    const explained = await rows().find(filter).sort(sort).limit(21).explain();
    return JSON.stringify(explained.queryPlanner);
  }

  function expectIndexPlan(found: string, index: string, ferretDb: boolean): void {
    if (ferretDb) {
      expect(found).toMatch(new RegExp(`SEARCH \\S+ USING INDEX \\S+_${index} `));
      expect(found).not.toMatch(/\bSCAN\b/);
      expect(found).not.toMatch(/TEMP B-TREE/);
    } else {
      expect(found).toMatch(/IXSCAN/);
      expect(found).not.toMatch(/"stage":"SORT"/);
    }
  }

  const newestFirst = { createdAt: -1, id: -1 } as const;
  const pageShapes: [string, Record<string, unknown>, Record<string, 1 | -1>, string][] = [
    ['the first page', { owner: 'big' }, newestFirst, 'owner_createdAt_id'],
    ['the first page by updatedAt', { owner: 'big' }, { updatedAt: -1, id: -1 }, 'owner_updatedAt_id'],
    [
      'a keyset page (the $lte bound beside the $or)',
      // After id 902 (ids 901-903 share the createdAt of 300 s).
      { owner: 'big', createdAt: { $lte: mid }, $or: [{ createdAt: { $lt: mid } }, { createdAt: mid, id: { $lt: 902 } }] },
      newestFirst,
      'owner_createdAt_id',
    ],
    ['a keyset page by $lt', { owner: 'big', createdAt: { $lt: new Date(at.getTime() + 100_000) } }, newestFirst, 'owner_createdAt_id'],
    ['a page filtered by status', { owner: 'big', status: 'done' }, newestFirst, 'owner_status_createdAt_id'],
    ['a page filtered by option_type', { owner: 'big', option_type: 'put' }, newestFirst, 'owner_option_type_createdAt_id'],
  ];

  test.each(pageShapes)('when %s is planned, then one index is searched with no scan and no sort step', async (_name, filter, sort, index) => {
    expectIndexPlan(await findPlan(filter, sort), index, await isFerretDb());
  });

  test('when a page is read, then it holds what sorting every matching document gives', async () => {
    for (const [, filter, sort] of pageShapes) {
      const page = await rows().find(filter).sort(sort).limit(21).toArray();
      // `$and` hides the conditions from the index: the server filters and sorts every document itself.
      const reference = await rows()
        .find({ $and: [filter] })
        .sort(sort)
        .limit(21)
        .toArray();
      expect(page).toEqual(reference);
      expect(page.length).toBe(21);
    }
  });

  test('when an owner pages through by keyset, then every document comes once, in order', async () => {
    const all = await rows()
      .find({ $and: [{ owner: 'u2' }] })
      .sort(newestFirst)
      .toArray();
    const seen: Row[] = [];
    let last: Row | undefined;
    for (;;) {
      const filter: Record<string, unknown> = last
        ? {
            owner: 'u2',
            createdAt: { $lte: last.createdAt },
            $or: [{ createdAt: { $lt: last.createdAt } }, { createdAt: last.createdAt, id: { $lt: last.id } }],
          }
        : { owner: 'u2' };
      const page = await rows().find(filter).sort(newestFirst).limit(21).toArray();
      seen.push(...page);
      if (page.length < 21) break;
      last = page[page.length - 1];
    }
    expect(seen.map((r) => r._id)).toEqual(all.map((r) => r._id));
  });

  test('when an owner is counted, then only that owner is read, from an index', async () => {
    expect(await rows().countDocuments({ owner: 'u1' })).toBe(400);
    expect(await rows().countDocuments({ owner: 'big', status: 'open' })).toBe(667);
    const explained = (await connection.db!.command({
      explain: { aggregate: 'records', pipeline: [{ $match: { owner: 'u1' } }, { $group: { _id: 1, n: { $sum: 1 } } }], cursor: {} },
    })) as unknown;
    const found = JSON.stringify(explained);
    if (await isFerretDb()) {
      expect(found).toMatch(/SEARCH \S+ USING INDEX /);
      expect(found).not.toMatch(/\bSCAN\b/);
    } else {
      expect(found).toMatch(/IXSCAN|COUNT_SCAN/);
    }
  });

  test('when an owner is counted up to a bound, then the count stops there and is exact below it', async () => {
    expect(await rows().countDocuments({ owner: 'big' }, { limit: 1001 })).toBe(1001);
    expect(await rows().countDocuments({ owner: 'big' }, { limit: 5000 })).toBe(2000);
    expect(await rows().countDocuments({ owner: 'big', status: 'open' }, { limit: 1001 })).toBe(667);
    expect(await rows().countDocuments({ owner: 'nobody' }, { limit: 1001 })).toBe(0);
  });

  test('when a document is looked up or updated by {_id, version} or {owner, id}, then one index entry is read', async () => {
    const ferretDb = await isFerretDb();
    const byIdAndVersion = await plan('records', { _id: 'u1-7', version: 1 });
    const byOwnerAndId = await plan('records', { owner: 'u1', id: 7 });
    // How the records service addresses one record: the `_id` and the whole shard key {owner, id}.
    const byIdAndShardKey = await plan('records', { _id: 'u1-7', owner: 'u1', id: 7, version: 1 });
    if (ferretDb) {
      expect(byIdAndVersion).toMatch(/SEARCH \S+ USING INDEX \S+__id_ /);
      expect(byIdAndShardKey).toMatch(/SEARCH \S+ USING INDEX \S+__id_ /);
      expect(byOwnerAndId).toMatch(/SEARCH \S+ USING INDEX \S+_owner_id \(<expr>=\? AND <expr>=\?\)/);
      for (const found of [byIdAndVersion, byOwnerAndId, byIdAndShardKey]) expect(found).not.toMatch(/\bSCAN\b/);
    } else {
      for (const found of [byIdAndVersion, byOwnerAndId, byIdAndShardKey]) expect(found).toMatch(/IDHACK|EXPRESS|IXSCAN/);
      for (const found of [byIdAndVersion, byOwnerAndId, byIdAndShardKey]) expect(found).not.toMatch(/COLLSCAN/);
    }
    expect(await rows().findOne({ _id: 'u1-7', owner: 'u1', id: 7 })).toMatchObject({ version: 1 });
    expect(await rows().findOne({ _id: 'u1-7', owner: 'u2', id: 7 })).toBeNull();
    expect(await rows().findOne({ owner: 'u1', id: 7 })).toMatchObject({ _id: 'u1-7' });
    expect((await rows().updateOne({ _id: 'u1-7', version: 1 }, { $set: { version: 2 } })).modifiedCount).toBe(1);
    expect((await rows().updateOne({ _id: 'u1-7', version: 1 }, { $set: { version: 3 } })).modifiedCount).toBe(0);
    expect(await rows().findOne({ _id: 'u1-7', version: 2 })).toMatchObject({ id: 7 });
  });

  test('when QA job entries of an owner are listed newest first, then the index by {owner, createdAt, _id} is searched', async () => {
    const entries = connection.db!.collection<{ _id: string; owner: string; createdAt: Date }>('qajobentries');
    await entries.createIndexes([{ key: { owner: 1, createdAt: -1, _id: -1 }, name: 'owner_createdAt__id' }]);
    await entries.insertMany(
      Array.from({ length: 3000 }, (_, i) => ({
        _id: `job-${String(i).padStart(5, '0')}`,
        owner: `u${i % 3}`,
        createdAt: new Date(at.getTime() + Math.floor(i / 10) * 1000),
      })),
    );
    const explained = await entries.find({ owner: 'u1' }).sort({ createdAt: -1, _id: -1 }).limit(20).explain();
    const found = JSON.stringify(explained.queryPlanner);
    expectIndexPlan(found, 'owner_createdAt__id', await isFerretDb());
    const page = await entries.find({ owner: 'u1' }).sort({ createdAt: -1, _id: -1 }).limit(20).toArray();
    expect(page).toEqual(
      await entries
        .find({ $and: [{ owner: 'u1' }] })
        .sort({ createdAt: -1, _id: -1 })
        .limit(20)
        .toArray(),
    );
  });
});

// What the index holds must never change an answer: values of mixed BSON types sort and match as MongoDB's,
// and a value the typed index cannot order (an array, an object) turns the pushdown off, not the answer wrong.
describe('pages over values of every kind', () => {
  type Tricky = { _id: number; owner: unknown; id: unknown; createdAt?: unknown };
  const sort = { createdAt: -1, id: -1 } as const;
  const kinds: unknown[] = [
    9, // int32
    10.0, // a double that is integral: stored as 10, sorts after 9
    9.5,
    -0.0,
    0,
    -1.5,
    new Date('2026-01-01T00:00:00Z'),
    new Date('2026-01-01T00:00:01Z'),
    '10',
    '9',
    'a<b',
    null,
    undefined, // missing
    true,
    false,
    new mongoose.Types.ObjectId('650000000000000000000001'),
    2 ** 60,
    1e300,
  ];

  async function fill(name: string, extra: Tricky[]): Promise<ReturnType<typeof trickyCollection>> {
    const coll = trickyCollection(name);
    await coll.createIndexes([
      { key: { owner: 1, createdAt: -1, id: -1 }, name: 'owner_createdAt_id' },
      { key: { owner: 1, id: 1 }, name: 'owner_id', unique: true },
    ]);
    let n = 0;
    const docs: Tricky[] = [];
    for (const owner of ['t1', 't2', 'a<b']) {
      for (const [k, createdAt] of kinds.entries()) {
        for (const id of [k * 2, k * 2 + 1]) {
          n += 1;
          // Every id of an owner is distinct: the unique {owner, id} index holds; ids 1 are -0.0 and 0.
          const value = id === 0 ? -0.0 : id % 4 === 3 ? id + 0.5 : id;
          docs.push(createdAt === undefined ? { _id: n, owner, id: value } : { _id: n, owner, id: value, createdAt });
        }
      }
    }
    for (let i = 0; i < 1000; i += 1) docs.push({ _id: 10_000 + i, owner: `other-${i % 5}`, id: i, createdAt: new Date(i) });
    await coll.insertMany([...docs, ...extra]);
    return coll;
  }

  function trickyCollection(name: string) {
    return connection.db!.collection<Tricky>(name);
  }

  async function expectSameAsReference(coll: ReturnType<typeof trickyCollection>, owner: string): Promise<void> {
    for (const filter of [
      { owner },
      { owner, createdAt: { $lt: new Date('2026-01-01T00:00:01Z') } },
      { owner, createdAt: { $lte: 9.5, $gt: -1 } },
      { owner, createdAt: { $lte: '9' } },
    ]) {
      for (const order of [sort, { createdAt: 1, id: 1 } as const]) {
        const got = await coll.find(filter).sort(order).toArray();
        const reference = await coll
          .find({ $and: [filter] })
          .sort(order)
          .toArray();
        expect({ filter, order, ids: got.map((d) => d._id) }).toEqual({ filter, order, ids: reference.map((d) => d._id) });
      }
      expect({ filter, count: await coll.countDocuments(filter) }).toEqual({ filter, count: await coll.countDocuments({ $and: [filter] }) });
    }
    expect(await coll.countDocuments({ owner })).toBe(await coll.countDocuments({ $and: [{ owner }] }));
    for (const id of [0, 3.5, 4, 5]) {
      expect(await coll.find({ owner, id }).toArray()).toEqual(await coll.find({ $and: [{ owner, id }] }).toArray());
    }
  }

  test('when sort keys mix numbers of every type, -0, strings, Dates, booleans, null and missing fields, then pages come in MongoDB order, from the index', async () => {
    const coll = await fill('scalars', []);
    await expectSameAsReference(coll, 't1');
    await expectSameAsReference(coll, 'a<b');
    const explained = JSON.stringify((await coll.find({ owner: 't1' }).sort(sort).limit(21).explain()).queryPlanner);
    if (await isFerretDb()) {
      expect(explained).toMatch(/SEARCH \S+ USING INDEX \S+_owner_createdAt_id /);
      expect(explained).not.toMatch(/\bSCAN\b|TEMP B-TREE/);
    }
  });

  test('when an owner or a sort key is an array or an object, then every page still holds what MongoDB returns', async () => {
    const coll = await fill('arrays', [
      { _id: 90_001, owner: ['t1', 'x'], id: 100, createdAt: new Date('2026-01-01T00:00:00Z') },
      { _id: 90_002, owner: 't1', id: 101, createdAt: [5, new Date('2030-01-01T00:00:00Z')] },
      { _id: 90_003, owner: 't1', id: { n: 1 }, createdAt: 9 },
    ]);
    await expectSameAsReference(coll, 't1');
    expect((await coll.find({ owner: 't1', id: 100 }).toArray()).map((d) => d._id)).toEqual([90_001]);
  });
});

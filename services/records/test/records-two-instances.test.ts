import { connectDatabase } from '@app/testkit/servers';
import { newUser, startRecords, type RecordsUnderTest, type TestUser } from './support/records-harness';

// Two records processes' worth of services on one database, as `replicas: 2` runs them: conditional
// writes hold across instances because the store decides them (an insert of a version claim), not a
// queue inside one process. Requests alternate between the instances.
let one: RecordsUnderTest;
let two: RecordsUnderTest;

beforeAll(async () => {
  one = await startRecords();
  two = await startRecords({ MONGO_DB: one.db });
});

afterAll(async () => {
  await two?.stop();
  await one?.stop();
});

const through = (i: number) => (i % 2 === 0 ? one : two);
const tag = (id: number, version: number) => `"${id}-${version}"`;

async function newRecord(user: TestUser): Promise<{ id: number; version: number }> {
  const created = await one.create(user);
  expect(created.status).toBe(201);
  return created.body as { id: number; version: number };
}

describe('two records instances on one store', () => {
  it('when 50 updates with the same If-Match race through both, then exactly one succeeds and the rest answer 412', async () => {
    const user = newUser();
    const record = await newRecord(user);
    const answers = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        through(i).call(user, 'PATCH', `/records/${record.id}`, { body: { description: `writer ${i}` }, headers: { 'If-Match': tag(record.id, 1) } }),
      ),
    );
    const statuses = answers.map((answer) => answer.status);
    expect(statuses.filter((status) => status === 200)).toHaveLength(1);
    expect(statuses.filter((status) => status === 412)).toHaveLength(49);
    const winner = answers.find((answer) => answer.status === 200)!.body as { description: string; version: number };
    expect(winner.version).toBe(2);
    expect((await two.call(user, 'GET', `/records/${record.id}`)).body).toMatchObject({ description: winner.description, version: 2 });
  });

  it('when 12 writers each update with If-Match until they succeed, then each version is won once and no update is lost', async () => {
    const user = newUser();
    const record = await newRecord(user);
    const won: number[] = [];
    await Promise.all(
      Array.from({ length: 12 }, async (_, i) => {
        for (;;) {
          const current = await through(i).call(user, 'GET', `/records/${record.id}`);
          const answer = await through(i + 1).call(user, 'PATCH', `/records/${record.id}`, {
            body: { description: `writer ${i}` },
            headers: { 'If-Match': tag(record.id, current.body.version as number) },
          });
          if (answer.status === 200) {
            won.push(answer.body.version as number);
            return;
          }
          expect(answer.status).toBe(412);
        }
      }),
    );
    expect(won.sort((a, b) => a - b)).toEqual(Array.from({ length: 12 }, (_, i) => i + 2));
    expect((await one.call(user, 'GET', `/records/${record.id}`)).body.version).toBe(13);
  });

  it('when 50 updates without If-Match race through both, then all succeed, each on its own version, none lost', async () => {
    const user = newUser();
    const record = await newRecord(user);
    const answers = await Promise.all(
      Array.from({ length: 50 }, (_, i) => through(i).call(user, 'PATCH', `/records/${record.id}`, { body: { description: `writer ${i}` } })),
    );
    expect(answers.map((answer) => answer.status)).toEqual(Array(50).fill(200));
    // Each update moves the version by one, so the versions count the updates that landed.
    expect(answers.map((answer) => answer.body.version as number).sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i + 2));
    const final = await two.call(user, 'GET', `/records/${record.id}`);
    expect(final.body.version).toBe(51);
    expect(final.body.description).toBe(answers.find((answer) => answer.body.version === 51)!.body.description);
  });

  it('when 50 deletes race through both, with or without If-Match, then exactly one deletes and the record is gone', async () => {
    const user = newUser();
    for (const conditional of [true, false]) {
      const record = await newRecord(user);
      const answers = await Promise.all(
        Array.from({ length: 50 }, (_, i) =>
          through(i).call(user, 'DELETE', `/records/${record.id}`, conditional ? { headers: { 'If-Match': tag(record.id, 1) } } : {}),
        ),
      );
      const statuses = answers.map((answer) => answer.status);
      expect(statuses.filter((status) => status === 204)).toHaveLength(1);
      // The losers find either the version taken (412) or the record gone (404).
      expect(statuses.filter((status) => status === 412 || status === 404)).toHaveLength(49);
      expect((await one.call(user, 'GET', `/records/${record.id}`)).status).toBe(404);
    }
    // Ids are never given twice, even after a delete.
    expect((await two.create(user)).body.id).toBe(3);
  });

  it('when a writer stopped between claiming a version and writing it, then the next writer finishes its update instead of waiting forever', async () => {
    const user = newUser();
    const record = await newRecord(user);
    const db = await connectDatabase(one.db);
    try {
      const stoppedAt = new Date(Date.now() - 60_000);
      await db.collection<{ _id: string; owner: string; at: Date; set: object }>('record_version_claims').insertOne({
        _id: `${user.id}:${record.id}:1`,
        owner: user.id,
        at: stoppedAt,
        set: { description: 'from the stopped writer', updatedAt: stoppedAt, version: 2 },
      });
      // Version 1 was taken by the stopped writer: a write conditional on it loses, and its update lands.
      const late = await two.call(user, 'PATCH', `/records/${record.id}`, {
        body: { description: 'late' },
        headers: { 'If-Match': tag(record.id, 1) },
      });
      expect(late.status).toBe(412);
      expect((await one.call(user, 'GET', `/records/${record.id}`)).body).toMatchObject({ description: 'from the stopped writer', version: 2 });
      const next = await one.call(user, 'PATCH', `/records/${record.id}`, {
        body: { description: 'next' },
        headers: { 'If-Match': tag(record.id, 2) },
      });
      expect(next.status).toBe(200);
      expect(next.body).toMatchObject({ description: 'next', version: 3 });
      expect(await db.collection('record_version_claims').countDocuments({ owner: user.id })).toBe(0);
    } finally {
      await db.close();
    }
  });
});

import { newUser, startRecords, type RecordsUnderTest, type TestUser } from './support/records-harness';

let records: RecordsUnderTest;

beforeAll(async () => {
  records = await startRecords();
});

afterAll(async () => {
  await records?.stop();
});

async function createMany(user: TestUser, count: number, fields: (i: number) => Record<string, string> = () => ({})) {
  const created = [];
  // One after another, so creation order (and createdAt) is the index order.
  for (let i = 0; i < count; i += 1) created.push((await records.create(user, { description: `record ${i}`, ...fields(i) })).body);
  return created;
}

describe('listing', () => {
  it('when a user has 25 records, then page 1 has the newest 20, page 2 the other 5, and total says 25', async () => {
    const user = newUser();
    const created = await createMany(user, 25);
    const newestFirst = created.map((r) => r.id).reverse();

    const first = await records.call(user, 'GET', '/records/');
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ page: 1, limit: 20, total: 25, totalIsLowerBound: false });
    expect(first.body.items.map((r: { id: number }) => r.id)).toEqual(newestFirst.slice(0, 20));
    expect(first.body.next).toEqual(expect.stringMatching(/^\/records\/\?/));

    const second = await records.call(user, 'GET', '/records/?page=2');
    expect(second.body).toMatchObject({ page: 2, limit: 20, total: 25, next: null });
    expect(second.body.items.map((r: { id: number }) => r.id)).toEqual(newestFirst.slice(20));

    const beyond = await records.call(user, 'GET', '/records/?page=3');
    expect(beyond.body).toMatchObject({ items: [], page: 3, total: 25, next: null });
  });

  it('when the next links are followed with limit 4, then every record comes exactly once in order', async () => {
    const user = newUser();
    const created = await createMany(user, 10);
    const seen: number[] = [];
    let link: string | null = '/records/?limit=4';
    let pages = 0;
    while (link) {
      const answer = await records.call(user, 'GET', link);
      expect(answer.status).toBe(200);
      expect(answer.body.total).toBe(10);
      seen.push(...answer.body.items.map((r: { id: number }) => r.id));
      link = answer.body.next;
      pages += 1;
    }
    expect(pages).toBe(3);
    expect(seen).toEqual(created.map((r) => r.id).reverse());
  });

  it('when records are created while a client pages with the cursor, then it neither repeats nor skips the older ones', async () => {
    const user = newUser();
    const created = await createMany(user, 6);
    const first = await records.call(user, 'GET', '/records/?limit=3');
    await createMany(user, 2);
    const second = await records.call(user, 'GET', first.body.next);
    expect(second.body.page).toBeNull();
    expect(second.body.items.map((r: { id: number }) => r.id)).toEqual(
      created
        .slice(0, 3)
        .map((r) => r.id)
        .reverse(),
    );
  });

  it('when filtered by status and option_type, then only matching records are listed and counted', async () => {
    const user = newUser();
    await createMany(user, 6, (i) => ({ status: i % 2 === 0 ? 'active' : 'closed', option_type: i < 3 ? 'lead' : 'opportunity' }));
    const active = await records.call(user, 'GET', '/records/?status=active');
    expect(active.body.total).toBe(3);
    expect(active.body.items.every((r: { status: string }) => r.status === 'active')).toBe(true);

    const both = await records.call(user, 'GET', '/records/?status=active&option_type=lead');
    expect(both.body.total).toBe(2);
    expect(both.body.items.map((r: { description: string }) => r.description)).toEqual(['record 2', 'record 0']);

    const none = await records.call(user, 'GET', '/records/?status=unknown');
    expect(none.body).toMatchObject({ items: [], total: 0, next: null });

    const paged = await records.call(user, 'GET', '/records/?status=closed&limit=2');
    expect(paged.body.next).toContain('status=closed');
    const rest = await records.call(user, 'GET', paged.body.next);
    expect(rest.body.items.map((r: { description: string }) => r.description)).toEqual(['record 1']);
  });

  it('when sorted by createdAt or updatedAt, either way, then the order follows', async () => {
    const user = newUser();
    const created = await createMany(user, 4);
    const ids = created.map((r) => r.id);
    await records.call(user, 'PATCH', `/records/${ids[1]}`, { body: { description: 'touched' } });

    const oldest = await records.call(user, 'GET', '/records/?sort=createdAt');
    expect(oldest.body.items.map((r: { id: number }) => r.id)).toEqual(ids);
    const newest = await records.call(user, 'GET', '/records/?sort=-createdAt');
    expect(newest.body.items.map((r: { id: number }) => r.id)).toEqual([...ids].reverse());
    const recentlyChanged = await records.call(user, 'GET', '/records/?sort=-updatedAt');
    expect(recentlyChanged.body.items[0].id).toBe(ids[1]);
    const leastRecentlyChanged = await records.call(user, 'GET', '/records/?sort=updatedAt&limit=3');
    expect(leastRecentlyChanged.body.items.map((r: { id: number }) => r.id)).toEqual([ids[0], ids[2], ids[3]]);
    const followed = await records.call(user, 'GET', leastRecentlyChanged.body.next);
    expect(followed.body.items.map((r: { id: number }) => r.id)).toEqual([ids[1]]);
  });

  it('when a cursor is combined with page or another sort, then they compose; a forged cursor is a 400 naming it', async () => {
    const user = newUser();
    const ids = (await createMany(user, 5)).map((r) => r.id).sort((a, b) => b - a);
    const { body } = await records.call(user, 'GET', '/records/?limit=1');
    const cursor = new URL(body.next, 'http://x').searchParams.get('cursor')!;
    expect(cursor).toMatch(/^\d+\.\d+$/);
    // `page` counts from the cursor: page 2 after the first record is the third one.
    const withPage = await records.call(user, 'GET', `/records/?limit=1&page=2&cursor=${cursor}`);
    expect(withPage.status).toBe(200);
    expect(withPage.body.items.map((r: { id: number }) => r.id)).toEqual([ids[2]]);
    // The cursor is a position; another sort reads onwards from it in that order.
    const otherSort = await records.call(user, 'GET', `/records/?sort=createdAt&cursor=${cursor}`);
    expect(otherSort.status).toBe(200);
    expect(otherSort.body.items).toEqual([]);
    for (const forged of ['abc', '1.0', Buffer.from('{"s":"-createdAt","t":1,"i":{"$gt":0}}').toString('base64url'), '1'.repeat(16) + '.1']) {
      const answer = await records.call(user, 'GET', `/records/?cursor=${forged}`);
      expect(answer.status).toBe(400);
      expect(answer.body.error.details).toEqual([expect.objectContaining({ field: 'cursor' })]);
    }
  });
});

describe('concurrency', () => {
  it("when 10 users create 200 records at once, then each user's ids are 1 to 20 and each user lists exactly their own 20", async () => {
    const users = Array.from({ length: 10 }, () => newUser());
    const answers = await Promise.all(Array.from({ length: 200 }, (_, i) => records.create(users[i % 10]!, { description: `concurrent ${i}` })));
    expect(answers.map((a) => a.status)).toEqual(Array(200).fill(201));
    for (const user of users) {
      const ids = answers.filter((a) => a.body.owner === user.id).map((a) => a.body.id as number);
      expect(ids.sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    }

    for (const user of users) {
      const listed = await records.call(user, 'GET', '/records/?limit=100');
      expect(listed.body.total).toBe(20);
      expect(listed.body.items).toHaveLength(20);
      expect(listed.body.items.every((r: { owner: string }) => r.owner === user.id)).toBe(true);
      const mine = answers
        .filter((a) => a.body.owner === user.id)
        .map((a) => a.body.id)
        .sort((a, b) => a - b);
      expect(listed.body.items.map((r: { id: number }) => r.id).sort((a: number, b: number) => a - b)).toEqual(mine);
    }
  });
});

import { createHash, randomUUID } from 'node:crypto';
import { connectDatabase } from '@app/testkit/servers';
import { newUser, startRecords, type RecordsUnderTest } from './support/records-harness';
import { idempotencyKeyId } from '../src/data/idempotency-key-store';

let records: RecordsUnderTest;

beforeAll(async () => {
  records = await startRecords();
});

afterAll(async () => {
  await records?.stop();
});

const body = { option_type: 'opportunity', description: 'idempotent', status: 'active' };

describe('Idempotency-Key', () => {
  it('when a create is retried with the same key, then the same record comes back, marked as replayed, and only one exists', async () => {
    const user = newUser();
    const key = randomUUID();
    const first = await records.call(user, 'POST', '/records/', { body, headers: { 'Idempotency-Key': key } });
    expect(first.status).toBe(201);
    expect(first.headers.get('idempotent-replayed')).toBeNull();

    const retry = await records.call(user, 'POST', '/records/', { body, headers: { 'Idempotency-Key': key } });
    expect(retry.status).toBe(201);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(retry.body).toEqual(first.body);
    expect(retry.headers.get('location')).toBe(first.headers.get('location'));
    expect(retry.headers.get('etag')).toBe(first.headers.get('etag'));

    expect((await records.call(user, 'GET', '/records/')).body.total).toBe(1);
  });

  it('when 10 retries with the same key arrive at once, then all get the same record and only one is stored', async () => {
    const user = newUser();
    const key = randomUUID();
    const answers = await Promise.all(
      Array.from({ length: 10 }, () => records.call(user, 'POST', '/records/', { body, headers: { 'Idempotency-Key': key } })),
    );
    expect(answers.map((a) => a.status)).toEqual(Array(10).fill(201));
    expect(new Set(answers.map((a) => a.body.id)).size).toBe(1);
    expect(answers.filter((a) => a.headers.get('idempotent-replayed') === null)).toHaveLength(1);
    const listed = await records.call(user, 'GET', '/records/');
    expect(listed.body.total).toBe(1);
  });

  it('when the same key comes with a different body, then 422 and nothing new is stored', async () => {
    const user = newUser();
    const key = randomUUID();
    await records.call(user, 'POST', '/records/', { body, headers: { 'Idempotency-Key': key } });
    const changed = await records.call(user, 'POST', '/records/', {
      body: { ...body, description: 'something else' },
      headers: { 'Idempotency-Key': key },
    });
    expect(changed.status).toBe(422);
    expect(changed.body.error.code).toBe('idempotency_key_reused');
    expect((await records.call(user, 'GET', '/records/')).body.total).toBe(1);
  });

  it('when two users use the same key, then each gets their own record', async () => {
    const key = randomUUID();
    const alice = newUser();
    const bob = newUser();
    const a = await records.call(alice, 'POST', '/records/', { body, headers: { 'Idempotency-Key': key } });
    const b = await records.call(bob, 'POST', '/records/', { body, headers: { 'Idempotency-Key': key } });
    expect(a.status).toBe(201);
    expect(b.status).toBe(201);
    expect(b.headers.get('idempotent-replayed')).toBeNull();
    // Ids count per owner: both are their owner's first record, and distinct records.
    expect([a.body.id, b.body.id]).toEqual([1, 1]);
    expect(b.body.owner).toBe(bob.id);
    expect((await records.call(alice, 'GET', `/records/${a.body.id}`)).body.owner).toBe(alice.id);
    expect((await records.call(bob, 'GET', `/records/${b.body.id}`)).body.owner).toBe(bob.id);
  });

  it('when the record was changed after it was created, then a retry still replays the original answer', async () => {
    const user = newUser();
    const key = randomUUID();
    const first = await records.call(user, 'POST', '/records/', { body, headers: { 'Idempotency-Key': key } });
    await records.call(user, 'PATCH', `/records/${first.body.id}`, { body: { status: 'closed' } });
    const retry = await records.call(user, 'POST', '/records/', { body, headers: { 'Idempotency-Key': key } });
    expect(retry.body).toEqual(first.body);
    expect((await records.call(user, 'GET', '/records/')).body.total).toBe(1);
  });

  it('when creates come without a key, then every request makes a new record', async () => {
    const user = newUser();
    const first = await records.call(user, 'POST', '/records/', { body });
    const second = await records.call(user, 'POST', '/records/', { body });
    expect(second.body.id).not.toBe(first.body.id);
    expect((await records.call(user, 'GET', '/records/')).body.total).toBe(2);
  });
});

describe('Idempotency-Key after a crash', () => {
  // What a request that died half-way leaves behind: a claimed key with no answer. The hash mirrors
  // the service's (sha256 over the three fields), so the retry below is recognised as the same request.
  async function leavePendingKey(owner: string, key: string, ageMs: number) {
    const requestHash = createHash('sha256')
      .update(JSON.stringify([body.option_type, body.description, body.status]))
      .digest('base64url');
    const connection = await connectDatabase(records.db);
    try {
      await connection.collection('idempotency_keys').insertOne({
        _id: idempotencyKeyId(owner, key) as never,
        owner,
        key,
        requestHash,
        response: null,
        createdAt: new Date(Date.now() - ageMs),
        completedAt: null,
      });
    } finally {
      await connection.close();
    }
  }

  it('when the first request died long ago without answering, then a retry creates the record once', async () => {
    const user = newUser();
    const key = randomUUID();
    await leavePendingKey(user.id, key, 60_000);
    const retry = await records.call(user, 'POST', '/records/', { body, headers: { 'Idempotency-Key': key } });
    expect(retry.status).toBe(201);
    const again = await records.call(user, 'POST', '/records/', { body, headers: { 'Idempotency-Key': key } });
    expect(again.body).toEqual(retry.body);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect((await records.call(user, 'GET', '/records/')).body.total).toBe(1);
  });

  it('when the first request is still in flight, then a retry waits briefly and answers 409 with Retry-After', async () => {
    const user = newUser();
    const key = randomUUID();
    await leavePendingKey(user.id, key, 0);
    const retry = await records.call(user, 'POST', '/records/', { body, headers: { 'Idempotency-Key': key } });
    expect(retry.status).toBe(409);
    expect(retry.body.error.code).toBe('idempotency_key_in_progress');
    expect(retry.headers.get('retry-after')).toBe('1');
    expect((await records.call(user, 'GET', '/records/')).body.total).toBe(0);
  });
});

import { randomUUID } from 'node:crypto';
import { identityHeaders, newUser, startRecords, type RecordsUnderTest, type TestUser } from './support/records-harness';

let records: RecordsUnderTest;
let user: TestUser;
let recordId: number;

beforeAll(async () => {
  records = await startRecords();
  user = newUser();
  recordId = (await records.create(user)).body.id;
});

afterAll(async () => {
  await records?.stop();
});

const valid = { option_type: 'opportunity', description: 'test', status: 'active' };

async function expectNothingStored() {
  const listed = await records.call(user, 'GET', '/records/?limit=100');
  expect(listed.body.total).toBe(1);
  const current = await records.call(user, 'GET', `/records/${recordId}`);
  expect(current.body).toMatchObject({ ...valid, version: 1 });
}

describe('bad bodies', () => {
  const badCreates: Array<[string, unknown, string]> = [
    ['an unknown field', { ...valid, extra: 1 }, 'extra'],
    ['an operator object in a field', { ...valid, status: { $gt: '' } }, 'status'],
    ['an operator as a field name', { ...valid, $where: 'sleep(1000)' }, '$where'],
    ['a number instead of a string', { ...valid, description: 5 }, 'description'],
    ['null instead of a string', { ...valid, option_type: null }, 'option_type'],
    ['an array instead of a string', { ...valid, status: ['active'] }, 'status'],
    ['an empty string', { ...valid, description: '' }, 'description'],
    ['a missing field', { option_type: 'a', description: 'b' }, 'status'],
    ['an option_type over 64 characters', { ...valid, option_type: 'x'.repeat(65) }, 'option_type'],
    ['a status over 32 characters', { ...valid, status: 'x'.repeat(33) }, 'status'],
    ['a description over 2000 characters', { ...valid, description: 'x'.repeat(2001) }, 'description'],
    ['an array body', [valid], 'body'],
    ['33 characters outside the Basic Multilingual Plane in status', { ...valid, status: '😀'.repeat(33) }, 'status'],
    ['a control character in status', { ...valid, status: 'act\u0000ive' }, 'status'],
    ['a line break in option_type', { ...valid, option_type: 'a\nb' }, 'option_type'],
    ['a lone surrogate in the description', { ...valid, description: 'broken \ud800 text' }, 'description'],
  ];

  it.each(badCreates)('when POST has %s, then 400 naming the field and nothing is stored', async (_case, body, field) => {
    const answer = await records.call(user, 'POST', '/records/', { body });
    expect(answer.status).toBe(400);
    expect(answer.body.error.code).toBe('validation_failed');
    expect(answer.body.error.message).toContain(field);
    expect(answer.body.error.details).toEqual(expect.arrayContaining([expect.objectContaining({ field })]));
    await expectNothingStored();
  });

  it('when the fields are exactly at their bounds, then the record is created', async () => {
    const other = newUser();
    const answer = await records.create(other, { option_type: 'o'.repeat(64), status: 's'.repeat(32), description: 'd'.repeat(2000) });
    expect(answer.status).toBe(201);
  });

  it('when the fields are at their bounds in characters outside the Basic Multilingual Plane, then they are stored whole', async () => {
    // 32 emoji are 64 UTF-16 units: the bound counts code points, in validation and in storage alike.
    const other = newUser();
    const fields = { option_type: '𝒪'.repeat(64), status: '😀'.repeat(32), description: `line one\nline two\t${'🎉'.repeat(1982)}` };
    const created = await records.create(other, fields);
    expect(created.status).toBe(201);
    const read = await records.call(other, 'GET', `/records/${created.body.id}`);
    expect(read.body).toMatchObject(fields);
    const updated = await records.call(other, 'PATCH', `/records/${created.body.id}`, { body: { status: '🚀'.repeat(32) } });
    expect(updated.status).toBe(200);
    expect(updated.body.status).toBe('🚀'.repeat(32));
  });

  const badUpdates: Array<[string, unknown, string]> = [
    ['an empty object', {}, 'body'],
    ['an unknown field', { owner: 'someone-else' }, 'owner'],
    ['an operator object', { description: { $gt: '' } }, 'description'],
    ['a version field', { version: 7 }, 'version'],
    ['an over-long description', { description: 'x'.repeat(2001) }, 'description'],
    ['an empty status', { status: '' }, 'status'],
  ];

  it.each(badUpdates)('when PUT and PATCH have %s, then 400 naming the field and the record is unchanged', async (_case, body, field) => {
    for (const method of ['PUT', 'PATCH']) {
      const answer = await records.call(user, method, `/records/${recordId}`, { body });
      expect(answer.status).toBe(400);
      expect(answer.body.error.details).toEqual(expect.arrayContaining([expect.objectContaining({ field })]));
    }
    await expectNothingStored();
  });

  it('when the body is not JSON, then 400', async () => {
    for (const [method, path] of [
      ['POST', '/records/'],
      ['PUT', `/records/${recordId}`],
      ['PATCH', `/records/${recordId}`],
    ] as const) {
      const answer = await records.call(user, method, path, { body: '{"option_type": "a",' });
      expect(answer.status).toBe(400);
      expect(answer.body.error.code).toBe('bad_request');
    }
    const scalar = await records.call(user, 'POST', '/records/', { body: '"just a string"' });
    expect(scalar.status).toBe(400);
    await expectNothingStored();
  });

  it('when the body is over 16 kB, then 413', async () => {
    const answer = await records.call(user, 'POST', '/records/', { body: { ...valid, description: 'x'.repeat(17 * 1024) } });
    expect(answer.status).toBe(413);
    expect(answer.body.error.code).toBe('payload_too_large');
    const update = await records.call(user, 'PATCH', `/records/${recordId}`, { body: { description: 'x'.repeat(17 * 1024) } });
    expect(update.status).toBe(413);
    await expectNothingStored();
  });

  it('when the content type is not JSON, then 415; when there is no body at all, then 400', async () => {
    const form = await records.call(user, 'POST', '/records/', {
      body: 'option_type=a&description=b&status=c',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    });
    expect(form.status).toBe(415);
    expect(form.body.error.code).toBe('unsupported_media_type');
    const text = await records.call(user, 'PUT', `/records/${recordId}`, {
      body: JSON.stringify({ description: 'x' }),
      headers: { 'Content-Type': 'text/plain' },
    });
    expect(text.status).toBe(415);
    const empty = await records.call(user, 'POST', '/records/');
    expect(empty.status).toBe(400);
    await expectNothingStored();
  });
});

describe('bad ids', () => {
  it.each(['abc', '-1', '0', '1.5', '1e3', '99999999999999999999999', '%24gt'])('when the id is %s, then 400 on every route', async (id) => {
    for (const method of ['GET', 'PUT', 'PATCH', 'DELETE']) {
      const answer = await records.call(user, method, `/records/${id}`, method === 'PUT' || method === 'PATCH' ? { body: { description: 'x' } } : {});
      expect(answer.status).toBe(400);
      expect(answer.body.error.details).toEqual([expect.objectContaining({ field: 'id' })]);
    }
    await expectNothingStored();
  });
});

describe('bad query parameters', () => {
  const badQueries: Array<[string, string]> = [
    ['?status[$ne]=x', 'status[$ne]'],
    ['?status=a&status=b', 'status'],
    ['?limit=1000', 'limit'],
    ['?limit=0', 'limit'],
    ['?limit=abc', 'limit'],
    ['?limit=-5', 'limit'],
    ['?page=0', 'page'],
    ['?page=1.5', 'page'],
    ['?sort=owner', 'sort'],
    ['?status=', 'status'],
    ['?owner=someone', 'owner'],
    ['?%24where=1', '$where'],
  ];

  it.each(badQueries)('when the list is asked with %s, then 400 naming %s', async (query, field) => {
    const answer = await records.call(user, 'GET', `/records/${query}`);
    expect(answer.status).toBe(400);
    expect(answer.body.error.message).toContain(field);
    expect(answer.body.error.details).toEqual(expect.arrayContaining([expect.objectContaining({ field })]));
  });

  it('when limit is at its bounds, then the list answers', async () => {
    expect((await records.call(user, 'GET', '/records/?limit=1')).body.limit).toBe(1);
    expect((await records.call(user, 'GET', '/records/?limit=100')).body.limit).toBe(100);
  });
});

describe('Idempotency-Key header', () => {
  it.each([
    ['empty', ''],
    ['over 128 characters', 'k'.repeat(129)],
  ])('when the key is %s, then 400 naming the header', async (_case, key) => {
    const answer = await records.call(user, 'POST', '/records/', { body: valid, headers: { 'Idempotency-Key': key } });
    expect(answer.status).toBe(400);
    expect(answer.body.error.details).toEqual([expect.objectContaining({ field: 'Idempotency-Key' })]);
    await expectNothingStored();
  });
});

describe('identity proof', () => {
  // Every row has three entries: jest hands a shorter row's missing argument over as a `done` callback.
  const routes: Array<[string, string, unknown]> = [
    ['GET', '/records/', undefined],
    ['POST', '/records/', valid],
    ['GET', '/records/1', undefined],
    ['PUT', '/records/1', { description: 'x' }],
    ['PATCH', '/records/1', { description: 'x' }],
    ['DELETE', '/records/1', undefined],
    ['GET', '/cached-data', undefined],
    ['GET', '/cached-data-scope', undefined],
  ];

  it.each(routes)('when %s %s comes without, with forged, stale, misdirected or anonymous proof, then 401', async (method, path, body) => {
    const options = body === undefined ? {} : { body };
    const forged = identityHeaders(user, method, path, `wrong-secret-${randomUUID()}`);
    const stale = identityHeaders(user, method, path, undefined, Date.now() - 120_000);
    const otherPath = identityHeaders(user, method, '/records/2');
    const otherMethod = identityHeaders(user, method === 'GET' ? 'DELETE' : 'GET', path);
    const anonymous = identityHeaders({ id: '', name: '' }, method, path);
    const swappedUser = { ...identityHeaders(user, method, path), 'x-user-id': newUser().id };
    for (const identity of [{}, forged, stale, otherPath, otherMethod, anonymous, swappedUser]) {
      const answer = await records.call(null, method, path, { ...options, identity });
      expect(answer.status).toBe(401);
      expect(answer.body.error.code).toBe('identity_proof_invalid');
    }
    await expectNothingStored();
  });
});

import { newUser, startRecords, type RecordsUnderTest } from './support/records-harness';

let records: RecordsUnderTest;

beforeAll(async () => {
  records = await startRecords();
});

afterAll(async () => {
  await records?.stop();
});

describe('the seed curl sequence', () => {
  it('when a user creates, lists, reads, updates and deletes a record, then each step answers as the seed shows', async () => {
    const user = newUser();

    const created = await records.call(user, 'POST', '/records/', {
      body: '{"option_type":"opportunity","description":"test","status":"active"}',
      headers: { 'Content-Type': 'application/json' },
    });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({
      id: 1,
      option_type: 'opportunity',
      description: 'test',
      status: 'active',
      owner: user.id,
      createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      updatedAt: created.body.createdAt,
      version: 1,
    });
    expect(created.headers.get('location')).toBe('/records/1');
    expect(created.headers.get('etag')).toBe('"1-1"');

    const listed = await records.call(user, 'GET', '/records/');
    expect(listed.status).toBe(200);
    expect(listed.body).toEqual({ items: [created.body], page: 1, limit: 20, total: 1, totalIsLowerBound: false, next: null });

    const got = await records.call(user, 'GET', '/records/1');
    expect(got.status).toBe(200);
    expect(got.body).toEqual(created.body);
    expect(got.headers.get('etag')).toBe('"1-1"');

    const updated = await records.call(user, 'PUT', '/records/1', { body: '{"description":"updated"}' });
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({ id: 1, description: 'updated', option_type: 'opportunity', status: 'active', version: 2 });
    expect(new Date(updated.body.updatedAt).getTime()).toBeGreaterThanOrEqual(new Date(created.body.updatedAt).getTime());
    expect(updated.headers.get('etag')).toBe('"1-2"');

    const deleted = await records.call(user, 'DELETE', '/records/1');
    expect(deleted.status).toBe(204);
    expect(deleted.text).toBe('');

    expect((await records.call(user, 'GET', '/records/1')).status).toBe(404);
    expect((await records.call(user, 'GET', '/records')).body).toMatchObject({ items: [], total: 0 });
  });

  it('when the path has no trailing slash, then /records answers like /records/', async () => {
    const user = newUser();
    expect((await records.create(user)).status).toBe(201);
    const plain = await records.call(user, 'GET', '/records');
    const slashed = await records.call(user, 'GET', '/records/');
    expect(plain.status).toBe(200);
    expect(plain.body).toEqual(slashed.body);
    const created = await records.call(user, 'POST', '/records', { body: { option_type: 'a', description: 'b', status: 'c' } });
    expect(created.status).toBe(201);
  });

  it('when PATCH changes one field, then the others keep their values and the version goes up', async () => {
    const user = newUser();
    const { body: record } = await records.create(user, { status: 'draft' });
    const patched = await records.call(user, 'PATCH', `/records/${record.id}`, { body: { status: 'closed', option_type: 'lead' } });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ id: record.id, status: 'closed', option_type: 'lead', description: 'test', version: 2 });
    expect(patched.body.createdAt).toBe(record.createdAt);
  });

  it('when a method the path does not support is used, then 405 with Allow', async () => {
    const user = newUser();
    const answer = await records.call(user, 'DELETE', '/records/');
    expect(answer.status).toBe(405);
    expect(answer.headers.get('allow')).toBe('GET, HEAD, POST');
    expect(answer.body.error.code).toBe('method_not_allowed');
    const onOne = await records.call(user, 'POST', '/records/1', { body: { description: 'x' } });
    expect(onOne.status).toBe(405);
    expect(onOne.headers.get('allow')).toBe('GET, HEAD, PUT, PATCH, DELETE');
    for (const path of ['/cached-data', '/cached-data-scope', '/health', '/ready', '/metrics']) {
      const other = await records.call(user, 'PUT', path);
      expect([path, other.status, other.headers.get('allow')]).toEqual([path, 405, 'GET, HEAD']);
    }
  });
});

describe('conditional requests', () => {
  it('when If-None-Match names the current ETag, then 304 without a body; after a change, 200', async () => {
    const user = newUser();
    const { body: record, headers } = await records.create(user);
    const tag = headers.get('etag')!;
    const notModified = await records.call(user, 'GET', `/records/${record.id}`, { headers: { 'If-None-Match': tag } });
    expect(notModified.status).toBe(304);
    expect(notModified.text).toBe('');
    expect(notModified.headers.get('etag')).toBe(tag);
    expect((await records.call(user, 'GET', `/records/${record.id}`, { headers: { 'If-None-Match': `W/${tag}` } })).status).toBe(304);
    expect((await records.call(user, 'GET', `/records/${record.id}`, { headers: { 'If-None-Match': '*' } })).status).toBe(304);

    await records.call(user, 'PATCH', `/records/${record.id}`, { body: { description: 'changed' } });
    const modified = await records.call(user, 'GET', `/records/${record.id}`, { headers: { 'If-None-Match': tag } });
    expect(modified.status).toBe(200);
    expect(modified.body.description).toBe('changed');
  });

  it('when If-Match names an old version, then PUT, PATCH and DELETE answer 412 and change nothing', async () => {
    const user = newUser();
    const { body: record, headers } = await records.create(user);
    const firstTag = headers.get('etag')!;
    const second = await records.call(user, 'PUT', `/records/${record.id}`, { body: { description: 'second' }, headers: { 'If-Match': firstTag } });
    expect(second.status).toBe(200);
    const secondTag = second.headers.get('etag')!;
    expect(secondTag).not.toBe(firstTag);

    for (const method of ['PUT', 'PATCH']) {
      const stale = await records.call(user, method, `/records/${record.id}`, { body: { description: 'lost' }, headers: { 'If-Match': firstTag } });
      expect(stale.status).toBe(412);
      expect(stale.body.error.code).toBe('precondition_failed');
    }
    const staleDelete = await records.call(user, 'DELETE', `/records/${record.id}`, { headers: { 'If-Match': firstTag } });
    expect(staleDelete.status).toBe(412);
    expect(
      (await records.call(user, 'PUT', `/records/${record.id}`, { body: { description: 'x' }, headers: { 'If-Match': 'garbage' } })).status,
    ).toBe(412);

    const current = await records.call(user, 'GET', `/records/${record.id}`);
    expect(current.body).toMatchObject({ description: 'second', version: 2 });

    expect((await records.call(user, 'DELETE', `/records/${record.id}`, { headers: { 'If-Match': `"other", ${secondTag}` } })).status).toBe(204);
    expect((await records.call(user, 'DELETE', `/records/${record.id}`, { headers: { 'If-Match': secondTag } })).status).toBe(404);
  });

  it('when ten writers race with the same If-Match, then exactly one wins and the rest get 412', async () => {
    const user = newUser();
    const { body: record, headers } = await records.create(user);
    const tag = headers.get('etag')!;
    const answers = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        records.call(user, 'PATCH', `/records/${record.id}`, { body: { description: `writer ${i}` }, headers: { 'If-Match': tag } }),
      ),
    );
    expect(answers.filter((a) => a.status === 200)).toHaveLength(1);
    expect(answers.filter((a) => a.status === 412)).toHaveLength(9);
    expect((await records.call(user, 'GET', `/records/${record.id}`)).body.version).toBe(2);
  });
});

describe('ownership', () => {
  it("when a second user asks for the first user's record, then 404 on every route and the record is untouched", async () => {
    const owner = newUser();
    const other = newUser();
    const { body: record } = await records.create(owner);
    const path = `/records/${record.id}`;

    expect((await records.call(other, 'GET', path)).status).toBe(404);
    expect((await records.call(other, 'PUT', path, { body: { description: 'hijack' } })).status).toBe(404);
    expect((await records.call(other, 'PATCH', path, { body: { description: 'hijack' } })).status).toBe(404);
    expect(
      (await records.call(other, 'PUT', path, { body: { description: 'hijack' }, headers: { 'If-Match': '"' + String(record.id) + '-1"' } })).status,
    ).toBe(404);
    expect((await records.call(other, 'DELETE', path)).status).toBe(404);
    const list = await records.call(other, 'GET', '/records/');
    expect(list.body.total).toBe(0);

    const intact = await records.call(owner, 'GET', path);
    expect(intact.status).toBe(200);
    expect(intact.body).toEqual(record);
  });

  it('when a record does not exist, then 404 with the JSON error body', async () => {
    const user = newUser();
    const answer = await records.call(user, 'GET', '/records/999999');
    expect(answer.status).toBe(404);
    expect(answer.body).toEqual({ error: { code: 'not_found', message: expect.any(String), requestId: expect.any(String) } });
  });
});

describe('cached-data', () => {
  it.each(['cached-data', 'cached-data-scope'])('when /%s is called, then it answers the user, the time and their record count', async (source) => {
    const user = newUser();
    await records.create(user);
    await records.create(user);
    const before = Date.now();
    const answer = await records.call(user, 'GET', `/${source}`);
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({
      username: user.name,
      timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      recordCount: 2,
      source,
    });
    expect(new Date(answer.body.timestamp).getTime()).toBeGreaterThanOrEqual(before - 1000);
    expect((await records.call(null, 'GET', `/${source}`)).status).toBe(401);
  });
});

describe('platform routes', () => {
  it('when /health, /ready and /metrics are asked, then they answer without identity', async () => {
    expect((await records.call(null, 'GET', '/health')).body).toEqual({ status: 'ok', service: 'records' });
    const ready = await records.call(null, 'GET', '/ready');
    expect(ready.status).toBe(200);
    expect(ready.body.checks).toEqual({ mongodb: 'up', rabbitmq: 'up' });
    const metrics = await records.call(null, 'GET', '/metrics');
    expect(metrics.text).toContain('http_request_duration_seconds');
    // Its consumer's dead-letter queue, read from the broker at the scrape (a new queue: empty).
    expect(metrics.text).toMatch(/^events_dead_letters\{queue="[^"]*user-deleted[^"]*\.dead",service="records"\} 0$/m);
    expect(metrics.text).toMatch(/^dependency_up\{dependency="mongodb",need="required",service="records"\} 1$/m);
    // Declared with the bus, counted when a consumer refuses an event (the event contract's tests count one).
    expect(metrics.text).toMatch(/^# TYPE events_rejected_total counter$/m);
  });

  it('when /openapi.json is asked, then it describes every route with bounds, headers and the OAuth2 scheme', async () => {
    const { status, body } = await records.call(null, 'GET', '/openapi.json');
    expect(status).toBe(200);
    expect(body.openapi).toBe('3.1.0');
    expect(Object.keys(body.paths).sort()).toEqual(['/cached-data', '/cached-data-scope', '/records/', '/records/{id}']);
    expect(Object.keys(body.paths['/records/{id}']).sort()).toEqual(['delete', 'get', 'patch', 'put']);
    expect(body.components.securitySchemes.OAuth2PasswordBearer.flows.password.tokenUrl).toBe('/auth/login');
    expect(body.components.schemas.RecordCreate.properties.description).toMatchObject({ maxLength: 2000, pattern: expect.any(String) });
    expect(body.components.schemas.RecordCreate.properties.option_type.maxLength).toBe(64);
    expect(body.components.schemas.RecordCreate.properties.status.maxLength).toBe(32);
    expect(body.components.schemas.RecordCreate.additionalProperties).toBe(false);
    const list = body.paths['/records/'].get;
    const parameter = (name: string) => list.parameters.find((p: { name: string }) => p.name === name);
    expect(parameter('page').schema).toMatchObject({ type: 'integer', minimum: 1, maximum: 10_000 });
    expect(parameter('limit').schema).toMatchObject({ type: 'integer', minimum: 1, maximum: 100 });
    expect(parameter('cursor').schema.pattern).toEqual(expect.any(String));
    const create = body.paths['/records/'].post;
    expect(create.parameters[0]).toMatchObject({ name: 'Idempotency-Key', in: 'header', schema: { maxLength: 128, pattern: '^[\\x21-\\x7e]*$' } });
    expect(Object.keys(create.responses).sort()).toEqual(['201', '400', '401', '409', '413', '414', '415', '422', '429', '502', '503', '504']);
    expect(create.responses['201'].headers).toHaveProperty('ETag');
    expect(Object.keys(body.paths['/records/{id}'].put.responses)).toContain('412');
    expect(body.components.schemas.Error.required).toEqual(['error']);
  });
});

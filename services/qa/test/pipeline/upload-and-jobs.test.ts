import { randomUUID } from 'node:crypto';
import amqp from 'amqplib';
import { Queue } from 'bullmq';
import type { Connection } from 'mongoose';
import { start, type RunningService } from '../../src/main';
import { qaOpenApi } from '../../src/openapi';
import { AMQP_URL, REDIS_URL, connectDatabase } from '@app/testkit/servers';
import { sleep } from '@app/testkit/wait';
import { cleanUp, client, identityHeaders, jdPdf, resumePdf, uniqueEnv, type Client } from './support';

// No worker runs in this file: jobs stay queued, which is what the HTTP side's rules need.
const env = uniqueEnv();
let service: RunningService;
let api: Client;
let db: Connection;
let queue: Queue;
let resume: Buffer;
let jd: Buffer;

const user = () => `user-${randomUUID()}`;
const filesOf = (owner: string) => db.collection('qa_files').countDocuments({ owner });
const chunksCount = () => db.collection('qa_file_chunks').countDocuments({});
const jobsOf = (owner: string) => db.collection('qajobs').countDocuments({ owner });

beforeAll(async () => {
  service = await start({ ...env, QA_MAX_FILE_BYTES: String(5 * 1024 * 1024), QA_SSE_HEARTBEAT_MS: '200' });
  api = client(service.url, env);
  db = await connectDatabase(env.MONGO_DB);
  queue = new Queue(env.QA_QUEUE_NAME, { connection: { url: REDIS_URL } });
  [resume, jd] = await Promise.all([resumePdf(), jdPdf()]);
});

afterAll(async () => {
  await service?.stop();
  await queue?.close();
  await db?.close();
  await cleanUp(env);
});

describe('POST /qa/generate', () => {
  test('when both PDFs are sent, then 202 with Location and a queued job whose files are recorded', async () => {
    const owner = user();
    const response = await api.upload(owner, { resume, jd });
    expect(response.status).toBe(202);
    const body = await response.json();
    expect(body).toEqual({ id: expect.any(String), status: 'queued' });
    expect(response.headers.get('location')).toBe(`/qa/jobs/${body.id}`);

    const job = await api.json('GET', `/qa/jobs/${body.id}`, owner);
    expect(job.status).toBe(200);
    expect(job.body).toMatchObject({
      id: body.id,
      status: 'queued',
      progress: 0,
      attempts: 0,
      files: {
        resume: { name: 'resume.pdf', size: resume.length, sha256: expect.stringMatching(/^[0-9a-f]{64}$/) },
        jd: { name: 'job.pdf', size: jd.length },
      },
    });
    expect(job.body.result).toBeUndefined();
    expect(await filesOf(owner)).toBe(2);
    // Only ids go through Redis.
    const queued = await queue.getJob(body.id);
    const fileId = expect.stringMatching(/^[0-9a-f]{24}$/);
    expect(queued?.data).toEqual({ jobId: body.id, owner, fileIds: { resume: fileId, jd: fileId }, requestId: expect.any(String) });
    expect(queued?.opts.attempts).toBe(5);
  });

  test('when a file name is long and outside the Basic Multilingual Plane, then it is kept to 200 whole characters', async () => {
    const owner = user();
    const response = await api.upload(owner, { resume: Buffer.concat([resume, Buffer.from(' ')]), jd, resumeName: `a${'📄'.repeat(250)}.pdf` });
    expect(response.status).toBe(202);
    const job = await api.json('GET', `/qa/jobs/${(await response.json()).id}`, owner);
    expect(job.body.files.resume.name).toBe(`a${'📄'.repeat(199)}`);
  });

  // The name travels as RFC 5987 `filename*` (percent-encoded UTF-8), as browsers send names a quoted
  // header value cannot carry, so every code point reaches the server as it was typed.
  const uploadNamed = (owner: string, name: string, body: Buffer) => {
    const part = (field: string, header: string, content: Buffer) =>
      Buffer.concat([
        Buffer.from(`--xyz\r\nContent-Disposition: form-data; name="${field}"; ${header}\r\nContent-Type: application/pdf\r\n\r\n`),
        content,
        Buffer.from('\r\n'),
      ]);
    return api.request('POST', '/qa/generate', {
      userId: owner,
      body: Buffer.concat([
        part('resume', `filename*=UTF-8''${encodeURIComponent(name)}`, body),
        part('jd', 'filename="job.pdf"', jd),
        Buffer.from('--xyz--\r\n'),
      ]),
      headers: { 'content-type': 'multipart/form-data; boundary=xyz' },
    });
  };

  test.each([
    ['C0 controls', 'cv\u0001\u0008\t\u001b.pdf', 'cv.pdf'],
    ['DEL and C1 controls', 'cv\u007f\u0080\u0085\u009b\u009f.pdf', 'cv.pdf'],
    ['a right-to-left override', 'invoice\u202efdp.exe', 'invoicefdp.exe'],
    ['bidi embeddings, isolates and marks', '\u202aa\u202b\u202cb\u202d\u2066c\u2067\u2068\u2069\u200e\u200f\u061c.pdf', 'abc.pdf'],
    ['only controls', '\u0085\u202e\u2069', 'resume.pdf'],
  ])('when a file name holds %s, then they are gone from the stored and echoed name', async (_kind, sent, kept) => {
    const owner = user();
    const response = await uploadNamed(owner, sent, Buffer.concat([resume, Buffer.from(randomUUID())]));
    expect(response.status).toBe(202);
    const { id } = await response.json();
    const job = await api.json('GET', `/qa/jobs/${id}`, owner);
    expect(job.body.files.resume.name).toBe(kept);
    const stored = await db.collection('qajobs').findOne({ _id: id as never });
    expect(stored?.files.resume.name).toBe(kept);
    const file = await db.collection('qa_files').findOne({ owner, part: 'resume' });
    expect(file?.name).toBe(kept);
  });

  test('when the same user sends the same two files again, then the earlier job answers and no copy is kept', async () => {
    const owner = user();
    const first = await api.upload(owner, { resume, jd });
    const second = await api.upload(owner, { resume, jd, resumeName: 'other-name.pdf' });
    expect(second.status).toBe(202);
    const [a, b] = [await first.json(), await second.json()];
    expect(b.id).toBe(a.id);
    expect(second.headers.get('location')).toBe(`/qa/jobs/${a.id}`);
    expect(await jobsOf(owner)).toBe(1);
    expect(await filesOf(owner)).toBe(2);
  });

  test('when two identical uploads race, then one job is made', async () => {
    const owner = user();
    const [r1, r2, r3] = await Promise.all([1, 2, 3].map(() => api.upload(owner, { resume, jd })));
    const ids = new Set([(await r1!.json()).id, (await r2!.json()).id, (await r3!.json()).id]);
    expect(ids.size).toBe(1);
    expect(await jobsOf(owner)).toBe(1);
    expect(await filesOf(owner)).toBe(2);
  });

  test('when another user sends the same files, then they get a job of their own', async () => {
    const [a, b] = [user(), user()];
    const first = await (await api.upload(a, { resume, jd })).json();
    const second = await (await api.upload(b, { resume, jd })).json();
    expect(second.id).not.toBe(first.id);
  });

  test('when a text file is named .pdf, then 415 naming the part and nothing is stored', async () => {
    const owner = user();
    const response = await api.upload(owner, { resume: 'just some text, not a PDF', resumeName: 'cv.pdf', jd });
    expect(response.status).toBe(415);
    const body = await response.json();
    expect(body.error.code).toBe('unsupported_media_type');
    expect(body.error.message).toContain('"resume"');
    expect(await filesOf(owner)).toBe(0);
    expect(await jobsOf(owner)).toBe(0);
  });

  test('when the job description is not a PDF, then 415 names jd', async () => {
    const response = await api.upload(user(), { resume, jd: Buffer.from('\x89PNG\r\n\x1a\n0000000') });
    expect(response.status).toBe(415);
    expect((await response.json()).error.message).toContain('"jd"');
  });

  test('when a file is empty, then 415', async () => {
    const response = await api.upload(user(), { resume, jd: Buffer.alloc(0) });
    expect(response.status).toBe(415);
  });

  test('when a file is larger than 5 MB, then 413 naming it, and nothing is left behind', async () => {
    const owner = user();
    const chunksBefore = await chunksCount();
    const big = Buffer.concat([resume, Buffer.from('\n%'), Buffer.alloc(6 * 1024 * 1024, 0x41)]);
    const response = await api.upload(owner, { resume: big, jd });
    expect(response.status).toBe(413);
    const body = await response.json();
    expect(body.error.code).toBe('payload_too_large');
    expect(body.error.message).toContain('"resume"');
    expect(response.headers.get('connection')).toBe('close');
    expect(await filesOf(owner)).toBe(0);
    expect(await jobsOf(owner)).toBe(0);
    expect(await chunksCount()).toBe(chunksBefore);
  });

  test('when the jd part is missing, then 400 naming it', async () => {
    const owner = user();
    const response = await api.upload(owner, { resume });
    expect(response.status).toBe(400);
    const body = await response.json();
    expect(body.error.message).toContain('"jd"');
    expect(body.error.details).toEqual({ missing: ['jd'] });
    expect(await filesOf(owner)).toBe(0);
  });

  test('when both parts are missing, then 400 naming both', async () => {
    const response = await api.upload(user(), { extra: (form) => form.append('other', new Blob(['x']), 'x.pdf') });
    expect(response.status).toBe(400);
    expect((await response.json()).error.message).toContain('"other"');
    const empty = await api.upload(user(), {});
    expect(empty.status).toBe(400);
    expect((await empty.json()).error.details).toEqual({ missing: ['resume', 'jd'] });
  });

  test('when an extra file part is sent, then 400 naming it and nothing is stored', async () => {
    const owner = user();
    const response = await api.upload(owner, {
      resume,
      jd,
      extra: (form) => form.append('cover', new Blob([resume]), 'cover.pdf'),
    });
    expect(response.status).toBe(400);
    expect((await response.json()).error.message).toContain('"cover"');
    expect(await filesOf(owner)).toBe(0);
  });

  test('when a text field is sent, then 400 naming it', async () => {
    const response = await api.upload(user(), { resume, jd, extra: (form) => form.append('note', 'hello') });
    expect(response.status).toBe(400);
    expect((await response.json()).error.message).toContain('"note"');
  });

  test('when the resume is sent as a text field, then 400 says it must be a file', async () => {
    const form = new FormData();
    form.append('resume', '%PDF-1.4 not really');
    form.append('jd', new Blob([jd]), 'job.pdf');
    const response = await api.request('POST', '/qa/generate', { userId: user(), body: form });
    expect(response.status).toBe(400);
    expect((await response.json()).error.message).toMatch(/"resume" must be a file/);
  });

  test('when a part appears twice, then 400', async () => {
    const response = await api.upload(user(), {
      resume,
      jd,
      extra: (form) => form.append('jd', new Blob([jd]), 'again.pdf'),
    });
    expect(response.status).toBe(400);
    expect((await response.json()).error.message).toContain('more than once');
  });

  test('when the body is JSON, then 415', async () => {
    const response = await api.request('POST', '/qa/generate', {
      userId: user(),
      body: JSON.stringify({ resume: 'x', jd: 'y' }),
      headers: { 'content-type': 'application/json' },
    });
    expect(response.status).toBe(415);
  });

  test('when there is no body at all, then 415', async () => {
    const response = await api.request('POST', '/qa/generate', { userId: user() });
    expect(response.status).toBe(415);
  });

  test('when the multipart body has no boundary or is cut short, then 400', async () => {
    const noBoundary = await api.request('POST', '/qa/generate', {
      userId: user(),
      body: 'garbage',
      headers: { 'content-type': 'multipart/form-data' },
    });
    expect(noBoundary.status).toBe(400);
    const cut = await api.request('POST', '/qa/generate', {
      userId: user(),
      body: '--xyz\r\nContent-Disposition: form-data; name="resume"; filename="a.pdf"\r\n\r\n%PDF-1.4 abc',
      headers: { 'content-type': 'multipart/form-data; boundary=xyz' },
    });
    expect(cut.status).toBe(400);
  });

  test('when Prefer: wait=1 and the job does not finish in time, then 202 and Preference-Applied: wait=1', async () => {
    const response = await api.upload(user(), { resume, jd: await jdPdf('wait-test') }, { prefer: 'wait=1' });
    expect(response.status).toBe(202);
    expect(response.headers.get('preference-applied')).toBe('wait=1');
  });

  test('when Prefer asks for more than 60 seconds, then the honoured wait is 60', async () => {
    const owner = user();
    const first = await (await api.upload(owner, { resume, jd: await jdPdf('cap') })).json();
    // Deleting it while the request waits ends the wait at once; the answer still says what was honoured.
    const pending = api.upload(owner, { resume, jd: await jdPdf('cap') }, { prefer: 'respond-async, wait=600' });
    await sleep(500);
    expect((await api.request('DELETE', `/qa/jobs/${first.id}`, { userId: owner })).status).toBe(204);
    const response = await pending;
    expect(response.headers.get('preference-applied')).toBe('wait=60');
    expect(response.status).toBe(202);
  });

  test('when the identity proof is forged or missing, then 401', async () => {
    const form = () => {
      const f = new FormData();
      f.append('resume', new Blob([resume]), 'r.pdf');
      f.append('jd', new Blob([jd]), 'j.pdf');
      return f;
    };
    const missing = await fetch(`${service.url}/qa/generate`, { method: 'POST', body: form() });
    expect(missing.status).toBe(401);
    const headers = identityHeaders(env, 'POST', '/qa/generate', user());
    const forged = await fetch(`${service.url}/qa/generate`, {
      method: 'POST',
      body: form(),
      headers: { ...headers, 'x-user-id': 'someone-else' },
    });
    expect(forged.status).toBe(401);
    expect(((await forged.json()) as any).error.code).toBe('identity_proof_invalid');
  });
});

describe('GET /qa/jobs', () => {
  test('when a user has jobs, then they are listed newest first, paginated, without results', async () => {
    const owner = user();
    const ids: string[] = [];
    for (const tag of ['one', 'two', 'three']) {
      ids.push((await (await api.upload(owner, { resume, jd: await jdPdf(tag) })).json()).id);
      await sleep(5);
    }
    await api.upload(user(), { resume, jd }); // someone else's
    const first = await api.json('GET', '/qa/jobs?limit=2', owner);
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ page: 1, limit: 2, total: 3 });
    expect(first.body.items.map((j: { id: string }) => j.id)).toEqual([ids[2], ids[1]]);
    expect(first.body.items[0]).not.toHaveProperty('result');
    const second = await api.json('GET', '/qa/jobs?limit=2&page=2', owner);
    expect(second.body.items.map((j: { id: string }) => j.id)).toEqual([ids[0]]);
    const defaults = await api.json('GET', '/qa/jobs', owner);
    expect(defaults.body).toMatchObject({ page: 1, limit: 20, total: 3 });
  });

  test('when limit or page are out of range or not numbers, then 400 naming the field', async () => {
    for (const query of ['limit=101', 'limit=0', 'limit=abc', 'page=0', 'page=-1', 'page=1.5', 'limit=1&limit=2']) {
      const response = await api.json('GET', `/qa/jobs?${query}`, user());
      expect(response.status).toBe(400);
      expect(response.body.error.message).toMatch(/limit|page/);
    }
  });

  test('when the identity proof is missing, then 401', async () => {
    expect((await fetch(`${service.url}/qa/jobs`)).status).toBe(401);
  });
});

describe('one job: GET, events, DELETE', () => {
  test('when another user asks for a job by id, then 404 on every route and the job is untouched', async () => {
    const owner = user();
    const id = (await (await api.upload(owner, { resume, jd })).json()).id;
    const intruder = user();
    expect((await api.json('GET', `/qa/jobs/${id}`, intruder)).status).toBe(404);
    expect((await api.request('GET', `/qa/jobs/${id}/events`, { userId: intruder })).status).toBe(404);
    expect((await api.request('DELETE', `/qa/jobs/${id}`, { userId: intruder })).status).toBe(404);
    expect((await api.json('GET', '/qa/jobs', intruder)).body.total).toBe(0);
    expect((await api.json('GET', `/qa/jobs/${id}`, owner)).status).toBe(200);
  });

  test('when the id is unknown or malformed, then 404 (never 500)', async () => {
    const owner = user();
    for (const id of [randomUUID(), 'not-a-uuid', '123', 'a'.repeat(300), "'%20OR%201=1", '%24where']) {
      expect((await api.json('GET', `/qa/jobs/${id}`, owner)).status).toBe(404);
      expect((await api.request('GET', `/qa/jobs/${id}/events`, { userId: owner })).status).toBe(404);
      expect((await api.request('DELETE', `/qa/jobs/${id}`, { userId: owner })).status).toBe(404);
    }
  });

  test('when a queued job is deleted, then its record, files and BullMQ job are gone', async () => {
    const owner = user();
    const id = (await (await api.upload(owner, { resume, jd })).json()).id;
    expect(await queue.getJob(id)).toBeDefined();
    const response = await api.request('DELETE', `/qa/jobs/${id}`, { userId: owner });
    expect(response.status).toBe(204);
    expect((await api.json('GET', `/qa/jobs/${id}`, owner)).status).toBe(404);
    expect(await filesOf(owner)).toBe(0);
    expect(await queue.getJob(id)).toBeUndefined();
    expect((await api.request('DELETE', `/qa/jobs/${id}`, { userId: owner })).status).toBe(404);
    // With the earlier job gone, the same files make a new job.
    const again = (await (await api.upload(owner, { resume, jd })).json()).id;
    expect(again).not.toBe(id);
  });

  test('when the events of a job are requested, then an event stream opens with the current progress and heartbeats', async () => {
    const owner = user();
    const id = (await (await api.upload(owner, { resume, jd })).json()).id;
    const response = await api.request('GET', `/qa/jobs/${id}/events`, { userId: owner });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(response.headers.get('cache-control')).toMatch(/no-cache/);
    expect(response.headers.get('x-accel-buffering')).toBe('no');
    const reader = response.body!.getReader();
    const { value } = await reader.read();
    let text = new TextDecoder().decode(value);
    while (!text.includes('event: progress')) text += new TextDecoder().decode((await reader.read()).value);
    expect(text).toContain('"status":"queued"');
    // Nothing happens to a job without a worker: the stream stays open on heartbeats.
    while (!text.includes(': heartbeat')) text += new TextDecoder().decode((await reader.read()).value);
    // Deleting the job ends the stream.
    await api.request('DELETE', `/qa/jobs/${id}`, { userId: owner });
    for (;;) {
      const chunk = await reader.read();
      if (chunk.done) break;
    }
  });
});

describe('user.deleted', () => {
  test("when a user is deleted (an event of the next minor version, with a field this release does not know), then their jobs and files go and other users' stay", async () => {
    const [gone, stays] = [user(), user()];
    await api.upload(gone, { resume, jd });
    await api.upload(gone, { resume, jd: await jdPdf('second') });
    await api.upload(stays, { resume, jd });
    expect(await jobsOf(gone)).toBe(2);

    const connection = await amqp.connect(AMQP_URL);
    const channel = await connection.createConfirmChannel();
    const envelope = {
      id: randomUUID(),
      type: 'user.deleted',
      version: '1.1',
      source: 'auth',
      occurredAt: new Date().toISOString(),
      data: { userId: gone, username: 'gone', erasure: 'complete' },
    };
    channel.publish('app.events', 'user.deleted', Buffer.from(JSON.stringify(envelope)), { persistent: true });
    await channel.waitForConfirms();
    await connection.close();

    const deadline = Date.now() + 10_000;
    while ((await jobsOf(gone)) > 0 && Date.now() < deadline) await sleep(100);
    expect(await jobsOf(gone)).toBe(0);
    expect(await filesOf(gone)).toBe(0);
    expect(await jobsOf(stays)).toBe(1);
    expect(await filesOf(stays)).toBe(2);
  });
});

describe('platform routes', () => {
  test('when /openapi.json is asked for without identity, then the QA routes are described', async () => {
    const response = await fetch(`${service.url}/openapi.json`);
    expect(response.status).toBe(200);
    const doc = (await response.json()) as any;
    expect(doc).toEqual(JSON.parse(JSON.stringify(qaOpenApi())));
    expect(Object.keys(doc.paths)).toEqual(['/qa/generate', '/qa/jobs', '/qa/jobs/{id}', '/qa/jobs/{id}/events']);
    expect(doc.components.securitySchemes.OAuth2PasswordBearer.flows.password.tokenUrl).toBe('/auth/login');
    const upload = doc.paths['/qa/generate'].post;
    expect(upload.requestBody.content['multipart/form-data'].schema.properties.resume).toMatchObject({ format: 'binary', pattern: '^%PDF-' });
    expect(Object.keys(upload.responses).sort()).toEqual(['200', '202', '400', '401', '413', '414', '415', '429', '502', '503', '504']);
    expect(Object.keys(doc.components.schemas)).toEqual(expect.arrayContaining(['QaJob', 'QaJobSummary', 'QaJobProgress', 'Error']));
  });

  test('when a known path is asked with a method it does not have, then 405 with Allow', async () => {
    for (const [method, path, allow] of [
      ['PUT', '/qa/generate', 'POST'],
      ['POST', '/qa/jobs', 'GET, HEAD'],
      ['PATCH', `/qa/jobs/${randomUUID()}`, 'GET, HEAD, DELETE'],
      ['DELETE', `/qa/jobs/${randomUUID()}/events`, 'GET, HEAD'],
    ] as const) {
      const response = await fetch(`${service.url}${path}`, { method });
      expect([method, path, response.status, response.headers.get('allow')]).toEqual([method, path, 405, allow]);
      expect(((await response.json()) as any).error.code).toBe('method_not_allowed');
    }
  });

  test('when /ready is asked for, then mongodb, redis and rabbitmq are up', async () => {
    const response = await fetch(`${service.url}/ready`);
    expect(response.status).toBe(200);
    expect(((await response.json()) as any).checks).toEqual({ mongodb: 'up', redis: 'up', rabbitmq: 'up' });
  });
});

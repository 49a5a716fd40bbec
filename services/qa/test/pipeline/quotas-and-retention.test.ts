import { randomUUID } from 'node:crypto';
import type { Connection } from 'mongoose';
import { start as startService, type RunningService } from '../../src/main';
import { start as startWorker, type RunningWorker } from '../../src/worker';
import { connectDatabase } from '@app/testkit/servers';
import { sleep } from '@app/testkit/wait';
import { cleanUp, client, identityHeaders, jdPdf, resumePdf, uniqueEnv, type Client } from './support';

// No worker here: jobs stay queued, so they keep their places in the quota.
const held = { ...uniqueEnv(), QA_MAX_ACTIVE_JOBS_PER_USER: '2', QA_MAX_STREAMS_PER_USER: '1', QA_MAX_UPLOAD_BYTES_PER_DAY: '40000' };
// A worker, a safety-net poll far longer than any wait below, and a retention of a few seconds.
const pushed = { ...uniqueEnv(), QA_POLL_INTERVAL_MS: '60000', QA_RETENTION_DAYS: '0.00004', QA_RETENTION_SWEEP_MS: '200' };

let heldService: RunningService;
let pushedService: RunningService;
let worker: RunningWorker;
let heldApi: Client;
let pushedApi: Client;
let pushedDb: Connection;
let jd: Buffer;
const user = () => `user-${randomUUID()}`;

beforeAll(async () => {
  heldService = await startService(held);
  pushedService = await startService(pushed);
  worker = await startWorker(pushed);
  heldApi = client(heldService.url, held);
  pushedApi = client(pushedService.url, pushed);
  pushedDb = await connectDatabase(pushed.MONGO_DB);
  jd = await jdPdf();
});

afterAll(async () => {
  await worker?.stop();
  await heldService?.stop();
  await pushedService?.stop();
  await pushedDb?.close();
  await cleanUp(held);
  await cleanUp(pushed);
});

async function expectQuota(response: Awaited<ReturnType<Client['upload']>>, limit: string, message: RegExp) {
  expect(response.status).toBe(429);
  expect(Number(response.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
  const body = await response.json();
  expect(body.error).toMatchObject({ code: 'quota_exceeded', details: expect.objectContaining({ limit }) });
  expect(body.error.message).toMatch(message);
  expect(body.error.requestId).toEqual(expect.any(String));
}

describe('quotas', () => {
  test('when a user has as many jobs queued as allowed, then one more is 429 with Retry-After, others are not held back, and a deleted job frees its place', async () => {
    const owner = user();
    const first = await heldApi.upload(owner, { resume: await resumePdf('q1'), jd });
    const second = await heldApi.upload(owner, { resume: await resumePdf('q2'), jd });
    expect([first.status, second.status]).toEqual([202, 202]);
    await expectQuota(await heldApi.upload(owner, { resume: await resumePdf('q3'), jd }), 'active_jobs', /2 jobs queued or running/);
    expect((await heldApi.upload(user(), { resume: await resumePdf('q3'), jd })).status).toBe(202);

    const { id } = await first.json();
    expect((await heldApi.request('DELETE', `/qa/jobs/${id}`, { userId: owner })).status).toBe(204);
    expect((await heldApi.upload(owner, { resume: await resumePdf('q4'), jd })).status).toBe(202);
  });

  test('when a user holds as many event streams as allowed, then one more is 429 until the first closes', async () => {
    const owner = user();
    const { id } = await (await heldApi.upload(owner, { resume: await resumePdf('s1'), jd })).json();
    const open = new AbortController();
    const first = await heldApi.request('GET', `/qa/jobs/${id}/events`, { userId: owner });
    expect(first.status).toBe(200);
    const second = await fetch(`${heldService.url}/qa/jobs/${id}/events`, {
      headers: identityHeaders(held, 'GET', `/qa/jobs/${id}/events`, owner),
      signal: open.signal,
    });
    await expectQuota(second, 'open_streams', /1 event streams open/);
    await first.body?.cancel();
    let third: Response | undefined;
    for (let i = 0; i < 50; i++) {
      third = await fetch(`${heldService.url}/qa/jobs/${id}/events`, {
        headers: identityHeaders(held, 'GET', `/qa/jobs/${id}/events`, owner),
        signal: open.signal,
      });
      if (third.status === 200) break;
      await third.arrayBuffer();
      await sleep(100);
    }
    expect(third?.status).toBe(200);
    open.abort();
  });

  test('when an upload would pass the bytes allowed per day, then it is 429 until midnight UTC and nothing is stored', async () => {
    const owner = user();
    const big = Buffer.concat([await resumePdf('b1'), Buffer.from(`\n%${'x'.repeat(25_000)}\n`)]);
    expect((await heldApi.upload(owner, { resume: big, jd })).status).toBe(202);
    const refused = await heldApi.upload(owner, { resume: Buffer.concat([big, Buffer.from('%2\n')]), jd });
    await expectQuota(refused, 'upload_bytes_per_day', /uploaded bytes today/);
    expect(Number(refused.headers.get('retry-after'))).toBeLessThanOrEqual(24 * 3600);
    const db = await connectDatabase(held.MONGO_DB);
    try {
      expect(await db.collection('qa_files').countDocuments({ owner })).toBe(2);
    } finally {
      await db.close();
    }
  });
});

describe('waiting is pushed, and retention', () => {
  test('when Prefer: wait is sent, then the finished job answers though the poll interval is a minute', async () => {
    const owner = user();
    const started = Date.now();
    const response = await pushedApi.upload(owner, { resume: await resumePdf('push'), jd }, { prefer: 'wait=20' });
    expect(response.status).toBe(200);
    expect((await response.json()).status).toBe('completed');
    expect(Date.now() - started).toBeLessThan(20_000);
  });

  test('when the events are followed, then the stream ends with the outcome though the poll interval is a minute', async () => {
    const owner = user();
    const { id } = await (await pushedApi.upload(owner, { resume: await resumePdf('push-sse'), jd })).json();
    const response = await pushedApi.request('GET', `/qa/jobs/${id}/events`, { userId: owner });
    const text = await response.text();
    expect(text).toMatch(/event: completed\n/);
  });

  test('when a job is older than the retention, then its record, files and result are deleted by the sweep', async () => {
    const owner = user();
    const response = await pushedApi.upload(owner, { resume: await resumePdf('old'), jd }, { prefer: 'wait=20' });
    const { id, status } = await response.json();
    expect(status).toBe('completed');
    expect(await pushedDb.collection('qa_job_finishes').countDocuments({ _id: id })).toBe(1);
    const deadline = Date.now() + 20_000;
    while ((await pushedApi.json('GET', `/qa/jobs/${id}`, owner)).status !== 404 && Date.now() < deadline) await sleep(200);
    expect((await pushedApi.json('GET', `/qa/jobs/${id}`, owner)).status).toBe(404);
    expect(await pushedDb.collection('qa_files').countDocuments({ owner })).toBe(0);
    expect(await pushedDb.collection('qa_job_finishes').countDocuments({ _id: id })).toBe(0);
  });
});

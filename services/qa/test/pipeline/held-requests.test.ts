import { randomUUID } from 'node:crypto';
import type { Connection } from 'mongoose';
import { start, type RunningService } from '../../src/main';
import { connectDatabase } from '@app/testkit/servers';
import { sleep, waitFor } from '@app/testkit/wait';
import { cleanUp, client, identityHeaders, jdPdf, resumePdf, uniqueEnv, uploadForm, type Client } from './support';

// No worker runs in this file: jobs stay queued, so waits and streams stay open until closed.
const MAX_HELD = 120;
const env = {
  ...uniqueEnv(),
  QA_MAX_HELD_REQUESTS: String(MAX_HELD),
  QA_MAX_STREAMS_PER_USER: '1000',
  QA_MAX_ACTIVE_JOBS_PER_USER: '1000',
  QA_SSE_HEARTBEAT_MS: '5000',
};
let service: RunningService;
let api: Client;
let db: Connection;
let resume: Buffer;
const closers: Array<() => void> = [];

const user = () => `user-${randomUUID()}`;
const heldNow = async () => Number(/^qa_held_requests\{[^}]*\} (\d+)$/m.exec(await (await fetch(`${service.url}/metrics`)).text())?.[1]);

/** Sends a request and keeps it open: its status once headers arrive, and how to close it. */
function hold(method: string, path: string, owner: string, init: { body?: FormData; headers?: Record<string, string> } = {}) {
  const aborter = new AbortController();
  closers.push(() => aborter.abort());
  const pending = fetch(service.url + path, {
    method,
    body: init.body,
    headers: { ...identityHeaders(env, method, path, owner), ...init.headers },
    signal: aborter.signal,
  });
  // Closed on purpose at the end: the abort is not a failure.
  pending.catch(() => undefined);
  return { pending };
}

beforeAll(async () => {
  service = await start(env);
  api = client(service.url, env);
  db = await connectDatabase(env.MONGO_DB);
  resume = await resumePdf();
});

afterAll(async () => {
  for (const close of closers) close();
  await service?.stop();
  await db?.close();
  await cleanUp(env);
});

describe('requests held open by one QA instance', () => {
  test('when many users hold waits and streams up to QA_MAX_HELD_REQUESTS, then more are 503 with Retry-After and nothing else is refused', async () => {
    const crowd = Array.from({ length: 6 }, user);
    const jobs = await Promise.all(
      crowd.map(async (owner, i) => {
        const response = await api.upload(owner, { resume, jd: await jdPdf(`crowd-${i}`) });
        expect(response.status).toBe(202);
        return ((await response.json()) as { id: string }).id;
      }),
    );

    // Half streams, half uploads that wait on the crowd's (deduplicated) jobs.
    const streams = await Promise.all(
      Array.from({ length: MAX_HELD / 2 }, (_, n) => hold('GET', `/qa/jobs/${jobs[n % 6]}/events`, crowd[n % 6]!).pending),
    );
    expect(streams.map((r) => r.status)).toEqual(Array(MAX_HELD / 2).fill(200));
    const waits = await Promise.all(
      Array.from({ length: MAX_HELD / 2 }, async (_, n) =>
        hold('POST', '/qa/generate', crowd[n % 6]!, {
          body: uploadForm({ resume, jd: await jdPdf(`crowd-${n % 6}`) }),
          headers: { prefer: 'wait=60' },
        }),
      ),
    );
    // Every one has reached the service (uploads take a while to arrive) and is held: none has answered.
    await waitFor(`${MAX_HELD} held requests`, async () => (await heldNow()) === MAX_HELD, {
      timeoutMs: 20_000,
      detail: async () => `held: ${await heldNow()}`,
    });
    const settled = await Promise.race([Promise.any(waits.map((w) => w.pending)).then(() => 'answered'), sleep(200).then(() => 'held')]);
    expect(settled).toBe('held');

    const stream = await api.request('GET', `/qa/jobs/${jobs[0]}/events`, { userId: crowd[0] });
    expect(stream.status).toBe(503);
    expect(stream.headers.get('retry-after')).toBe('5');
    expect((await stream.json()).error).toMatchObject({ code: 'at_capacity', details: { limit: 'held_requests' } });
    const newcomer = user();
    const waiting = await api.upload(newcomer, { resume, jd: await jdPdf('newcomer') }, { prefer: 'wait=30' });
    expect(waiting.status).toBe(503);
    expect((await waiting.json()).error.code).toBe('at_capacity');
    // Refused before the body was read: nothing stored, no job made.
    expect(await db.collection('qa_files').countDocuments({ owner: newcomer })).toBe(0);
    expect(await db.collection('qajobs').countDocuments({ owner: newcomer })).toBe(0);

    // What does not hold is answered: reads, and an upload that does not ask to wait.
    expect((await api.json('GET', `/qa/jobs/${jobs[1]}`, crowd[1]!)).status).toBe(200);
    const quick = await api.upload(newcomer, { resume, jd: await jdPdf('newcomer') });
    expect(quick.status).toBe(202);

    // Closing gives places back: first streams, then waits.
    for (const close of closers.splice(0, 10)) close();
    let again = 503;
    for (let attempt = 0; attempt < 50 && again !== 200; attempt += 1) {
      if (attempt > 0) await sleep(100);
      const { pending } = hold('GET', `/qa/jobs/${jobs[0]}/events`, crowd[0]!);
      again = (await pending).status;
    }
    expect(again).toBe(200);
  }, 60_000);
});

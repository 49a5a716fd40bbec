import { randomUUID } from 'node:crypto';
import type { Connection } from 'mongoose';
import { start as startService, type RunningService } from '../../src/main';
import { start as startWorker, type RunningWorker } from '../../src/worker';
import { captureQaEvents } from './event-capture';
import { AMQP_URL, connectDatabase } from '@app/testkit/servers';
import { TcpProxy } from '@app/testkit/tcp-proxy';
import { sleep, waitFor } from '@app/testkit/wait';
import { cleanUp, client, jdPdf, resumePdf, uniqueEnv, type Client } from './support';

// A finished job's event is announced at least once, even when the broker is away as the job
// finishes and the worker that finished it is gone before the broker is back: the worker writes a
// note when the broker does not confirm, and whichever worker runs the sweep later announces it.
const env = uniqueEnv();
const broker = new URL(AMQP_URL);
const proxy = new TcpProxy(Number(broker.port || 5672), broker.hostname);
let service: RunningService;
let api: Client;
let db: Connection;
let capture: Awaited<ReturnType<typeof captureQaEvents>>;
const workers: RunningWorker[] = [];

function workerEnv() {
  const url = new URL(AMQP_URL);
  url.port = String(proxy.port);
  return { ...env, AMQP_URL: url.toString(), QA_ANNOUNCE_SWEEP_MS: '200', QA_ANNOUNCE_GRACE_MS: '0' };
}

beforeAll(async () => {
  capture = await captureQaEvents();
  service = await startService(env);
  api = client(service.url, env);
  db = await connectDatabase(env.MONGO_DB);
  await proxy.open();
});

afterAll(async () => {
  for (const worker of workers) await worker.stop();
  await service?.stop();
  await proxy.close();
  await capture?.close();
  await db?.close();
  await cleanUp(env);
});

test('when the broker is away as a job finishes and its worker stops, then the next worker announces the job once the broker is back', async () => {
  const first = await startWorker(workerEnv());
  workers.push(first);
  await proxy.close();

  const owner = `user-${randomUUID()}`;
  const response = await api.upload(owner, { resume: await resumePdf('outage'), jd: await jdPdf() }, { prefer: 'wait=20' });
  const { id, status } = (await response.json()) as { id: string; status: string };
  expect(status).toBe('completed');
  // The broker did not confirm: a note says the event is due, and no event went out.
  await waitFor('the note of the unannounced job', async () => (await db.collection('qa_announcements').countDocuments({ _id: id as never })) === 1);
  await sleep(300);
  expect(capture.of(id)).toEqual([]);

  // Its worker stops with the event only in its memory; a new one starts once the broker is back.
  await first.stop();
  workers.splice(workers.indexOf(first), 1);
  await proxy.open();
  workers.push(await startWorker(workerEnv()));

  await waitFor('the job to be announced', () => capture.of(id).length > 0, { timeoutMs: 15_000 });
  expect(capture.of(id)[0]).toEqual({ type: 'qa.job.completed', data: { userId: owner, jobId: id } });
  await waitFor('the note to go', async () => (await db.collection('qa_announcements').countDocuments({ _id: id as never })) === 0);
});

test('when the broker confirms at once, then a finished job leaves no note behind', async () => {
  if (workers.length === 0) workers.push(await startWorker(workerEnv()));
  const owner = `user-${randomUUID()}`;
  const response = await api.upload(owner, { resume: await resumePdf('no-outage'), jd: await jdPdf() }, { prefer: 'wait=20' });
  const { id } = (await response.json()) as { id: string };
  await waitFor('the job to be announced', () => capture.of(id).length > 0);
  expect(await db.collection('qa_announcements').countDocuments({ _id: id as never })).toBe(0);
});

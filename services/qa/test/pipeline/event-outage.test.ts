import { randomUUID } from 'node:crypto';
import type { Connection } from 'mongoose';
import { start as startService, type RunningService } from '../../src/main';
import { start as startWorker, type RunningWorker } from '../../src/worker';
import { jobEndEventId } from '../../src/jobs/job-state';
import { captureQaEvents } from './event-capture';
import { AMQP_URL, connectDatabase } from '@app/testkit/servers';
import { TcpProxy } from '@app/testkit/tcp-proxy';
import { sleep, waitFor } from '@app/testkit/wait';
import { cleanUp, client, jdPdf, resumePdf, uniqueEnv, type Client } from './support';

// A finished job's event goes out at least once, even when the broker is away as the job finishes
// and the worker that finished it is gone before the broker is back: the event is written to the
// outbox with the job's end, and whichever worker's relay reads the outbox later publishes it.
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
  return { ...env, AMQP_URL: url.toString(), OUTBOX_SWEEP_MS: '200' };
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

const outboxHas = async (eventId: string) => (await db.collection('outbox').countDocuments({ _id: eventId as never })) === 1;

test('when the broker is away as a job finishes and its worker stops, then the next worker publishes its event, once, when the broker is back', async () => {
  const first = await startWorker(workerEnv());
  workers.push(first);
  await proxy.close();

  const owner = `user-${randomUUID()}`;
  const response = await api.upload(owner, { resume: await resumePdf('outage'), jd: await jdPdf() }, { prefer: 'wait=20' });
  const { id, status } = (await response.json()) as { id: string; status: string };
  expect(status).toBe('completed');
  // The broker did not confirm: the event waits in the outbox, under the job's end's stable id, and none went out.
  const eventId = jobEndEventId({ id, status: 'completed' });
  await waitFor("the job's event in the outbox", () => outboxHas(eventId));
  await sleep(300);
  expect(capture.of(id)).toEqual([]);

  // Its worker stops with the event only in its memory; a new one starts once the broker is back.
  await first.stop();
  workers.splice(workers.indexOf(first), 1);
  await proxy.open();
  workers.push(await startWorker(workerEnv()));

  await waitFor("the job's event", () => capture.of(id).length > 0, { timeoutMs: 15_000 });
  await waitFor('the outbox entry to go', async () => !(await outboxHas(eventId)));
  // One logical event: however many times it arrived, every copy carries the one id.
  expect(capture.of(id)).toEqual([{ type: 'qa.job.completed', data: { userId: owner, jobId: id } }]);
  expect(capture.idsOf(id)).toEqual([eventId]);
});

test('when the broker confirms at once, then a finished job leaves nothing in the outbox', async () => {
  if (workers.length === 0) workers.push(await startWorker(workerEnv()));
  const owner = `user-${randomUUID()}`;
  const response = await api.upload(owner, { resume: await resumePdf('no-outage'), jd: await jdPdf() }, { prefer: 'wait=20' });
  const { id } = (await response.json()) as { id: string };
  await waitFor("the job's event", () => capture.of(id).length > 0);
  await waitFor('the outbox entry to go', async () => !(await outboxHas(jobEndEventId({ id, status: 'completed' }))));
});

import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { once } from 'node:events';
import { join, resolve } from 'node:path';
import type { Connection } from 'mongoose';
import { start as startService, type RunningService } from '../../src/main';
import { captureQaEvents } from './event-capture';
import { connectDatabase } from '@app/testkit/servers';
import { waitFor } from '@app/testkit/wait';
import { cleanUp, client, jdPdf, resumePdf, uniqueEnv, type Client } from './support';

/**
 * Real worker processes, one killed with SIGKILL in the middle of the work: every job must still
 * complete, and complete once. QA_CRASH_JOBS sets how many jobs (default 100).
 */
const JOBS = Number(process.env.QA_CRASH_JOBS ?? 100);
const ROOT = resolve(__dirname, '../../../..');
const NODE = join(ROOT, 'node_modules/.bin/node');
// One user queues all 100 jobs here: the per-user quota is not what this test is about.
const env = { ...uniqueEnv(), QA_MAX_ACTIVE_JOBS_PER_USER: '1000' };
let service: RunningService;
let api: Client;
let db: Connection;
let capture: Awaited<ReturnType<typeof captureQaEvents>>;
const children: ChildProcess[] = [];

jest.setTimeout(240_000);

function spawnWorker(name: string): { child: ChildProcess; output: () => string } {
  let output = '';
  const child = spawn(NODE, [join(ROOT, 'services/qa/dist/worker.js')], {
    cwd: ROOT,
    env: {
      ...process.env,
      ...env,
      LOG_LEVEL: 'info',
      QA_WORKER_CONCURRENCY: '2',
      // Short lock and stalled check so that a killed worker's jobs come back within seconds (a lock
      // much shorter than this lapses on a loaded machine and makes healthy jobs look stalled).
      QA_LOCK_DURATION_MS: '4000',
      QA_STALLED_INTERVAL_MS: '1000',
      // The outbox sweep, which publishes the events a killed worker wrote but never relayed, quickened for the test.
      OUTBOX_SWEEP_MS: '500',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  children.push(child);
  return { child, output: () => `${name}:\n${output.slice(-4000)}` };
}

const count = (status: string) => db.collection('qajobs').countDocuments({ status });

beforeAll(async () => {
  // The worker runs from the compiled output, as in production. tsc emits despite type errors, so a
  // type error elsewhere in the package (shown below) does not stop this test from running the worker.
  try {
    execFileSync(NODE, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-b', 'services/qa'], { cwd: ROOT, stdio: 'pipe' });
  } catch (err) {
    if (!existsSync(join(ROOT, 'services/qa/dist/worker.js'))) throw err;
    process.stderr.write(`tsc -b services/qa reported errors:\n${String((err as { stdout?: Buffer }).stdout ?? err)}\n`);
  }
  capture = await captureQaEvents();
  service = await startService(env);
  api = client(service.url, env);
  db = await connectDatabase(env.MONGO_DB);
}, 180_000);

afterAll(async () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await service?.stop();
  await capture?.close();
  await db?.close();
  await cleanUp(env);
});

test(`when a worker is killed in the middle of ${JOBS} jobs, then another picks them up and each completes exactly once`, async () => {
  const owner = `user-${randomUUID()}`;
  const started = Date.now();
  const first = spawnWorker('first worker');
  const ids: string[] = [];
  const resume = await resumePdf();
  // Uploads go on while the first worker works and is killed, and after.
  const uploading = (async () => {
    for (let i = 0; i < JOBS; i += 1) {
      // Distinct job descriptions, so that deduplication does not fold them into one job.
      const response = await api.upload(owner, { resume, jd: await jdPdf(`opening ${i}`) });
      if (response.status !== 202) throw new Error(`upload ${i} answered ${response.status}`);
      ids.push((await response.json()).id);
    }
    return Date.now();
  })();

  // Kill it once a part of the work is done and it holds jobs in hand.
  const killAt = Math.max(1, Math.floor(JOBS / 4));
  await waitFor('the first jobs to complete', async () => (await count('completed')) >= killAt && (await count('active')) > 0, {
    timeoutMs: 120_000,
    intervalMs: 100,
    detail: first.output,
  });
  first.child.kill('SIGKILL');
  await once(first.child, 'exit');
  const killedAt = Date.now();
  // What the dead worker left half-done: nothing moves these until another worker recovers them.
  const inHand = (await db.collection('qajobs').find({ status: 'active' }).project({ _id: 1 }).toArray()).map((d) => String(d._id));
  const completedAtKill = await count('completed');

  const second = spawnWorker('second worker');
  const uploaded = await uploading;
  const logs = () => `${first.output()}\n${second.output()}`;
  await waitFor('every job to complete', async () => (await count('completed')) === JOBS, {
    timeoutMs: 180_000,
    intervalMs: 100,
    detail: async () => {
      const states = await db
        .collection('qajobs')
        .aggregate([{ $group: { _id: '$status', n: { $sum: 1 } } }])
        .toArray();
      return `${JSON.stringify(states)}\n${logs()}`;
    },
  });
  const finished = Date.now();

  const records = await db.collection('qajobs').find({ owner }).toArray();
  expect(records).toHaveLength(JOBS);
  // Exactly once: every job completed, by the one decision its first completion inserted (one per job at
  // most, by _id), written to the job by its decider or, when the first worker died between, by the next.
  const notOnce = records.filter((r) => r.status !== 'completed' || r.completions !== 1);
  expect(notOnce.map((r) => ({ id: r._id, status: r.status, completions: r.completions }))).toEqual([]);
  expect(await db.collection('qa_job_finishes').countDocuments({ _id: { $in: records.map((r) => r._id) } })).toBe(JOBS);
  // The jobs the first worker held were taken up again by the second.
  const notRetaken = records.filter((r) => inHand.includes(String(r._id)) && r.attempts < 2);
  expect(notRetaken.map((r) => ({ id: r._id, attempts: r.attempts }))).toEqual([]);

  // Events: at least once, one logical event per job. A worker killed between finishing a job and the
  // broker's confirm leaves the event in the outbox (the survivor's sweep publishes it) or, killed
  // before writing it, the job to be run again (the re-run writes it). Deliveries may repeat, always
  // under the job's one event id; a job without its event, or with two ids, is a failure.
  await waitFor('the completion events', () => records.every((r) => capture.of(String(r._id)).length >= 1), {
    timeoutMs: 20_000,
    intervalMs: 100,
    detail: () => JSON.stringify(records.filter((r) => capture.of(String(r._id)).length === 0).map((r) => r._id)),
  });
  const wrong = records.filter((r) => capture.of(String(r._id)).some((e) => e.type !== 'qa.job.completed' || e.data.userId !== owner));
  expect(wrong.map((r) => ({ id: r._id, events: capture.of(String(r._id)) }))).toEqual([]);
  const twoIds = records.filter((r) => capture.idsOf(String(r._id)).length !== 1);
  expect(twoIds.map((r) => ({ id: r._id, ids: capture.idsOf(String(r._id)) }))).toEqual([]);
  await waitFor('the outbox to empty', async () => (await db.collection('outbox').countDocuments({})) === 0, { timeoutMs: 20_000 });

  // SIGTERM: the second worker drains and exits cleanly.
  second.child.kill('SIGTERM');
  const [code] = (await once(second.child, 'exit')) as [number | null];
  expect(code).toBe(0);

  process.stdout.write(
    `worker crash run: ${JOBS} jobs; uploads ${uploaded - started} ms; killed after ${completedAtKill} completed with ${inHand.length} in hand ` +
      `at ${killedAt - started} ms; all completed at ${finished - started} ms (recovery and the rest: ${finished - killedAt} ms)\n`,
  );
});

import { spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import amqp from 'amqplib';
import { Binary, MongoClient, type Db } from 'mongodb';
import { startInfrastructure } from '@app/infra/infra';
import { cpuMillis } from './process-cpu';
import { signIdentity } from '@app/common';
import { ensureFerretDbBinary, freePort, waitForPort } from '@app/infra';
import { start as startWorker } from '@app/qa/worker';
import { start as startRecords } from '@app/records';

// `npm run bench:scale`: does a user's request cost what it returns, whatever that user and everybody
// else hold? A FerretDB of its own (SQLite, fresh data folder, a free port) and the records service
// and QA worker in this process, on a database of 100 users and 100,000 records (one user with 20,000,
// one with 25, so that both users' pages hold 20 records) and a few thousand QA jobs with their files, written in the services' own shapes. The
// same requests are timed for the big and the small user, alternating: the ratio big/small is the
// figure that matters (the target is within 2x, p50 and p99); the machine and its load decide the
// absolute numbers.

const TOTAL_RECORDS = Number(process.env.BENCH_RECORDS ?? 100_000);
const USERS = 100;
const BIG = Number(process.env.BENCH_BIG ?? 20_000);
/** Enough for a full page at the first page and at the cursor's page, so that like is compared with like. */
const SMALL = 25;
const PAGE = 20;
/** The deep page: page 500 of the big user's list, reached by cursor. */
const DEEP_PAGE = 500;
const QA_JOBS = Number(process.env.BENCH_QA_JOBS ?? 3000);
// With 40 samples a p99 is the single slowest request; with 200 it is the second slowest.
const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 200);
const WARM_UP = Number(process.env.BENCH_WARM_UP ?? 3);
const IDLE_SECONDS = 10;
const DB = 'records';
const QA_DB = 'qa';

interface Seeded {
  id: string;
  name: string;
  count: number;
  /** The cursor to the deep page (the small user: to its last full page). */
  cursor: string;
  /** The record read and updated, and its current version. */
  target: { id: number; version: number };
}

interface Op {
  name: string;
  method: 'GET' | 'POST' | 'PATCH';
  path: (user: Seeded) => string;
  headers?: (user: Seeded) => Record<string, string>;
  /** After a successful call (the conditional update moves the version on). */
  after?: (user: Seeded) => void;
}

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
}

const cpuSeconds = (pid: number | undefined) => cpuMillis(pid) / 1000;

/** The owner's record `i` (1-based, oldest first) is created at `at + i` ms: the cursor of a position is known without reading. */
const createdAtOf = (at: number, id: number) => new Date(at + id);

/** Records in the shape of services/records/src/data/models.ts: one shared collection, `_id` = owner:id, ids per owner. */
async function insertRecords(db: Db, owner: string, count: number, at: number): Promise<void> {
  const records = db.collection<{ _id: string }>('records');
  const ids = db.collection<{ _id: string; owner: string }>('record_ids');
  for (let first = 1; first <= count; first += 1000) {
    const docs = [];
    for (let id = first; id < Math.min(first + 1000, count + 1); id += 1) {
      const createdAt = createdAtOf(at, id);
      docs.push({
        _id: `${owner}:${id}`,
        id,
        owner,
        option_type: id % 3 === 0 ? 'risk' : 'opportunity',
        description: `record ${id}: a description of ordinary length for a record in a list`,
        status: id % 2 === 0 ? 'active' : 'closed',
        createdAt,
        updatedAt: createdAt,
        version: 1,
      });
    }
    await records.insertMany(docs);
    await ids.insertMany(docs.map((doc) => ({ _id: doc._id, owner })));
  }
  await db.collection<{ _id: string; seq: number }>('record_counters').updateOne({ _id: owner }, { $max: { seq: count } }, { upsert: true });
}

/** QA jobs in the shape of services/qa/src/data: jobs in `qajobs`, their files in `qa_files`, decisions in `qa_job_finishes`. */
async function insertQaJobs(db: Db, owners: string[], count: number): Promise<void> {
  const pdf = new Binary(Buffer.from('%PDF-1.4\n% bench file, never analysed\n' + 'x'.repeat(2000)));
  let jobs = [];
  let files = [];
  for (let i = 0; i < count; i += 1) {
    const owner = owners[i % owners.length]!;
    const id = randomUUID();
    const createdAt = new Date(Date.now() - (count - i) * 1000);
    const stored: Record<string, unknown> = {};
    for (const part of ['resume', 'jd']) {
      const fileId = randomUUID();
      files.push({ _id: fileId, owner, jobId: id, part, name: `${part}.pdf`, size: pdf.position, uploadedAt: createdAt, data: pdf });
      stored[part] = { fileId, name: `${part}.pdf`, size: pdf.position, sha256: 'bench' };
    }
    jobs.push({
      _id: id,
      owner,
      status: 'completed',
      progress: 100,
      stage: 'completed',
      contentHash: randomUUID(),
      dedupBucket: 0,
      files: stored,
      createdAt,
      startedAt: createdAt,
      finishedAt: createdAt,
      durationMs: 10,
      attempts: 1,
      error: null,
      completions: 1,
    });
    if (jobs.length === 500 || i === count - 1) {
      await db.collection<{ _id: string }>('qa_files').insertMany(files);
      await db.collection<{ _id: string }>('qajobs').insertMany(jobs);
      jobs = [];
      files = [];
    }
  }
}

async function main() {
  const binary = ensureFerretDbBinary();
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-scale-ferretdb-'));
  const port = await freePort();
  const ferretLog = join(dataDir, 'ferretdb.log');
  const ferret = spawn(binary, ['-listen', `127.0.0.1:${port}`, '-data', dataDir], {
    stdio: ['ignore', openSync(ferretLog, 'a'), openSync(ferretLog, 'a')],
  });
  const mongoUrl = `mongodb://127.0.0.1:${port}/`;
  const exchange = `bench-scale-${randomUUID()}`;
  const queues = [`bench-scale-${randomUUID()}`, `bench-scale-${randomUUID()}`];
  let infra: Awaited<ReturnType<typeof startInfrastructure>> | undefined;
  const stops: Array<() => Promise<unknown>> = [];
  try {
    await waitForPort(port, 'ferretdb', 30_000, ferret);
    infra = await startInfrastructure({ ...process.env, MONGO_URL: mongoUrl }, { harness: true });
    const client = await MongoClient.connect(mongoUrl);
    stops.push(() => client.close());
    const db = client.db(DB);
    const secret = randomBytes(32).toString('base64url');

    const recordsService = await startRecords({
      PORT: '0',
      HOST: '127.0.0.1',
      MONGO_URL: mongoUrl,
      MONGO_DB: DB,
      AMQP_URL: infra.env.AMQP_URL,
      EVENTS_EXCHANGE: exchange,
      USER_DELETED_QUEUE: queues[0],
      IDENTITY_SECRET: secret,
      NODE_ENV: 'test',
      LOG_LEVEL: 'warn',
    });
    stops.push(() => recordsService.stop());
    const url = recordsService.url;
    // The service builds its indexes before it is ready; the seeding below goes through them.
    for (const deadline = Date.now() + 60_000; (await fetch(`${url}/ready`)).status !== 200;) {
      if (Date.now() > deadline) throw new Error('the records service did not become ready');
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const worker = await startWorker({
      MONGO_URL: mongoUrl,
      MONGO_DB: QA_DB,
      REDIS_URL: infra.env.REDIS_URL,
      AMQP_URL: infra.env.AMQP_URL,
      EVENTS_EXCHANGE: exchange,
      QA_QUEUE_NAME: `bench-scale-${randomUUID()}`,
      QA_USER_DELETED_QUEUE: queues[1],
      QA_WORKER_PORT: '0',
      HOST: '127.0.0.1',
      NODE_ENV: 'test',
      LOG_LEVEL: 'warn',
    });
    stops.push(() => worker.stop());

    const call = async (user: Seeded, method: string, path: string, body?: unknown, extra: Record<string, string> = {}): Promise<Response> => {
      const headers = signIdentity(secret, {
        method,
        path,
        userId: user.id,
        userName: user.name,
        requestId: randomUUID(),
        clientIp: '127.0.0.1',
      });
      const response = await fetch(`${url}${path}`, {
        method,
        headers: { ...headers, ...extra, ...(body ? { 'content-type': 'application/json' } : {}) },
        ...(body ? { body: JSON.stringify(body) } : {}),
      });
      if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
      return response;
    };

    const ops: Op[] = [
      { name: 'first page', method: 'GET', path: () => `/records/?limit=${PAGE}` },
      { name: `page ${DEEP_PAGE} deep (cursor)`, method: 'GET', path: (u) => `/records/?limit=${PAGE}&cursor=${u.cursor}` },
      { name: 'filtered page (status)', method: 'GET', path: () => `/records/?limit=${PAGE}&status=active` },
      { name: 'one record', method: 'GET', path: (u) => `/records/${u.target.id}` },
      {
        name: 'conditional update (If-Match)',
        method: 'PATCH',
        path: (u) => `/records/${u.target.id}`,
        headers: (u) => ({ 'if-match': `"${u.target.id}-${u.target.version}"` }),
        after: (u) => {
          u.target.version += 1;
        },
      },
      { name: 'create', method: 'POST', path: () => '/records/' },
    ];
    const bodyOf = (op: Op) =>
      op.method === 'POST'
        ? { option_type: 'opportunity', description: 'bench', status: 'active' }
        : op.method === 'PATCH'
          ? { description: 'bench' }
          : undefined;

    const failures = new Map<string, number>();
    const measure = async (users: Seeded[]) => {
      const result = new Map<string, { p50: number; p99: number }>();
      // A request that fails (a 503 when the database took longer than the driver waits) counts at the
      // time it took, and is reported: the row then says how many failed.
      const timed = async (user: Seeded, op: Op) => {
        const t0 = performance.now();
        try {
          const response = await call(user, op.method, op.path(user), bodyOf(op), op.headers?.(user) ?? {});
          await response.arrayBuffer();
          op.after?.(user);
        } catch (err) {
          failures.set(`${user.name}|${op.name}`, (failures.get(`${user.name}|${op.name}`) ?? 0) + 1);
          process.stderr.write(`${user.name} ${op.name}: ${err instanceof Error ? err.message.slice(0, 200) : String(err)}\n`);
          if (op.method === 'PATCH') {
            // The version may have moved on or not: read it.
            const current = (await (await call(user, 'GET', `/records/${user.target.id}`)).json()) as { version: number };
            user.target.version = current.version;
          }
        }
        return performance.now() - t0;
      };
      for (const op of ops) {
        const times = new Map<string, number[]>(users.map((user) => [user.name, []]));
        for (let i = 0; i < SAMPLES + WARM_UP; i += 1) {
          // Alternating which user goes first; the first rounds warm caches and connections.
          for (const user of i % 2 === 0 ? users : [...users].reverse()) {
            const elapsed = await timed(user, op);
            if (i >= WARM_UP) times.get(user.name)!.push(elapsed);
          }
        }
        for (const [name, list] of times) {
          list.sort((x, y) => x - y);
          result.set(`${name}|${op.name}`, { p50: quantile(list, 0.5), p99: quantile(list, 0.99) });
        }
      }
      return result;
    };

    const idleCpu = async () => {
      const before = cpuSeconds(ferret.pid);
      await new Promise((resolve) => setTimeout(resolve, IDLE_SECONDS * 1000));
      return ((cpuSeconds(ferret.pid) - before) / IDLE_SECONDS) * 100;
    };

    const started = Date.now();
    const at = Date.now() - 10_000_000;
    // Newest first: the deep page follows the record at position (DEEP_PAGE - 1) * PAGE from the top.
    const cursorAfter = (count: number, fromTop: number) => {
      const id = count - fromTop + 1;
      return `${createdAtOf(at, id).getTime()}.${id}`;
    };
    const big: Seeded = { id: `bench-big-${randomUUID()}`, name: 'big', count: BIG, cursor: '', target: { id: Math.ceil(BIG / 2), version: 1 } };
    const small: Seeded = { id: `bench-small-${randomUUID()}`, name: 'small', count: SMALL, cursor: '', target: { id: 3, version: 1 } };
    big.cursor = cursorAfter(BIG, (DEEP_PAGE - 1) * PAGE);
    small.cursor = cursorAfter(SMALL, SMALL - PAGE);

    const others = Array.from({ length: USERS - 2 }, (_, i) => `bench-user-${i}-${randomUUID()}`);
    const remaining = TOTAL_RECORDS - BIG - SMALL;
    const seedStarted = Date.now();
    await insertRecords(db, big.id, BIG, at);
    await insertRecords(db, small.id, SMALL, at);
    for (const [i, owner] of others.entries()) {
      const count = Math.floor(remaining / others.length) + (i < remaining % others.length ? 1 : 0);
      await insertRecords(db, owner, count, Date.now() - 5_000_000);
    }
    await insertQaJobs(client.db(QA_DB), [big.id, small.id, ...others], QA_JOBS);
    const seedSeconds = (Date.now() - seedStarted) / 1000;
    process.stderr.write(`seeded in ${seedSeconds.toFixed(0)} s\n`);
    const idle = await idleCpu();
    const figures = await measure([big, small]);

    const fmt = (n: number) => n.toFixed(1).padStart(7);
    const lines = [
      `bench:scale on FerretDB v1.24.2 (SQLite), ${TOTAL_RECORDS} records of ${USERS} users (one with ${BIG}, one with ${SMALL}) and ${QA_JOBS} QA jobs with 2 files each (seeded in ${seedSeconds.toFixed(0)} s); ${SAMPLES} samples per figure`,
      '',
      `idle CPU of the database server over ${IDLE_SECONDS} s: ${idle.toFixed(1)} % of one core (target < 5)`,
      '',
      `| request | ${SMALL} records p50 ms | p99 ms | ${BIG} records p50 ms | p99 ms | p50 ratio | p99 ratio | within 2x | failed (small / big) |`,
      `|---|---|---|---|---|---|---|---|---|`,
    ];
    for (const op of ops) {
      const a = figures.get(`small|${op.name}`)!;
      const b = figures.get(`big|${op.name}`)!;
      const [r50, r99] = [b.p50 / a.p50, b.p99 / a.p99];
      lines.push(
        `| ${op.name} | ${fmt(a.p50)} | ${fmt(a.p99)} | ${fmt(b.p50)} | ${fmt(b.p99)} | ${r50.toFixed(2)} | ${r99.toFixed(2)} | ${r50 <= 2 && r99 <= 2 ? 'yes' : 'no'} | ${failures.get(`small|${op.name}`) ?? 0} / ${failures.get(`big|${op.name}`) ?? 0} |`,
      );
    }
    lines.push('', `total run time ${((Date.now() - started) / 1000).toFixed(0)} s`);
    process.stdout.write(`${lines.join('\n')}\n`);
  } catch (err) {
    process.stderr.write(`ferretdb's last words:\n${readFileSync(ferretLog, 'utf8').slice(-3000)}\n`);
    throw err;
  } finally {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
    // The consumer queues the services declared on the shared broker go with the run.
    if (infra) {
      const connection = await amqp.connect(infra.env.AMQP_URL).catch(() => undefined);
      if (connection) {
        const channel = await connection.createChannel();
        for (const queue of queues) await channel.deleteQueue(queue).catch(() => undefined);
        await channel.deleteExchange(exchange).catch(() => undefined);
        await connection.close().catch(() => undefined);
      }
      await infra.stop();
    }
    ferret.kill('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 500));
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});

import { spawn } from 'node:child_process';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import amqp from 'amqplib';
import { MongoClient, GridFSBucket, type Db } from 'mongodb';
import { startInfrastructure } from './infra';
import { cpuMillis } from './process-cpu';
import { ensureFerretDbBinary, freePort, ROOT, waitForPort } from './servers';

// `npm run bench:scale`: does the native default stay as fast and as quiet after 100,000 records as
// on a fresh database? A FerretDB of its own (SQLite, fresh data folder) and the records service and
// QA worker in this process; the same user's requests timed on a database holding only that user's
// records, then again after 100 users, 100,000 records and a few thousand QA jobs with their files.
// Figures, not a pass/fail: the machine and its load decide the absolute numbers; the ratios travel.

const TOTAL_RECORDS = Number(process.env.BENCH_RECORDS ?? 100_000);
const USERS = 100;
const BIG = 1000;
const SMALL = 5;
const QA_JOBS = Number(process.env.BENCH_QA_JOBS ?? 3000);
const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 40);
const IDLE_SECONDS = 10;
const DB = 'records';
const FRESH_DB = 'records_fresh';
const QA_DB = 'qa';

// The shapes the services write (see services/records/src/data and services/qa/src/data).
const ownerHash = (owner: string) => createHash('sha256').update(owner).digest('hex').slice(0, 32);
const ownerCollection = (owner: string) => `records_${ownerHash(owner)}`;
const ownerJobsCollection = (owner: string) => `qajobs_${ownerHash(owner)}`;

type Signer = (secret: string, values: Record<string, string>, now?: number) => Record<string, string>;

interface Op {
  name: string;
  path: (user: Seeded) => string;
  method?: 'GET' | 'POST';
}

interface Seeded {
  id: string;
  name: string;
  ids: number[];
  cursor: string;
}

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
}

const cpuSeconds = (pid: number | undefined) => cpuMillis(pid) / 1000;

async function insertRecords(db: Db, owner: string, firstId: number, count: number, at: number): Promise<number[]> {
  const ids: number[] = [];
  const docs = [];
  for (let i = 0; i < count; i += 1) {
    const id = firstId + i;
    const createdAt = new Date(at + i);
    ids.push(id);
    docs.push({
      _id: String(id),
      id,
      owner,
      option_type: i % 3 === 0 ? 'risk' : 'opportunity',
      description: `record ${id}: a description of ordinary length for a record in a list`,
      status: i % 2 === 0 ? 'active' : 'closed',
      createdAt,
      updatedAt: createdAt,
      version: 1,
    });
  }
  const records = db.collection<{ _id: string }>(ownerCollection(owner));
  for (let i = 0; i < docs.length; i += 1000) {
    await records.insertMany(docs.slice(i, i + 1000));
    await db.collection<{ _id: string }>('record_ids').insertMany(docs.slice(i, i + 1000).map((d) => ({ _id: d._id, owner })));
  }
  await db
    .collection<{ _id: string; seq: number }>('counters')
    .updateOne({ _id: 'records' }, { $max: { seq: firstId + count - 1 } }, { upsert: true });
  return ids;
}

async function insertQaJobs(db: Db, owners: string[], count: number): Promise<void> {
  const bucket = new GridFSBucket(db, { bucketName: 'qaFiles' });
  const pdf = Buffer.from('%PDF-1.4\n% bench file, never analysed\n' + 'x'.repeat(2000));
  const jobs = [];
  for (let i = 0; i < count; i += 1) {
    const owner = owners[i % owners.length]!;
    const files: Record<string, unknown> = {};
    for (const part of ['resume', 'jd']) {
      const upload = bucket.openUploadStream(`${part}.pdf`, { metadata: { owner } });
      await new Promise<void>((resolve, reject) => upload.end(pdf, (err?: Error | null) => (err ? reject(err) : resolve())));
      files[part] = { fileId: String(upload.id), name: `${part}.pdf`, size: pdf.length, sha256: 'bench' };
    }
    const createdAt = new Date(Date.now() - (count - i) * 1000);
    const id = randomUUID();
    const contentHash = randomUUID();
    await db
      .collection<{ _id: string; createdAt: Date; contentHash: string; dedupBucket: number }>(ownerJobsCollection(owner))
      .insertOne({ _id: id, createdAt, contentHash, dedupBucket: 0 });
    jobs.push({
      _id: id,
      owner,
      status: 'completed',
      progress: 100,
      stage: 'completed',
      contentHash,
      dedupBucket: 0,
      files,
      createdAt,
      startedAt: createdAt,
      finishedAt: createdAt,
      durationMs: 10,
      attempts: 1,
      error: null,
      eventPublishedAt: createdAt,
      completions: 1,
    });
    if (jobs.length === 500) await db.collection<{ _id: string }>('qajobs').insertMany(jobs.splice(0));
  }
  if (jobs.length > 0) await db.collection<{ _id: string }>('qajobs').insertMany(jobs);
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
  const queues = [`bench-scale-${randomUUID()}`, `bench-scale-${randomUUID()}`, `bench-scale-${randomUUID()}`];
  let infra: Awaited<ReturnType<typeof startInfrastructure>> | undefined;
  const stops: Array<() => Promise<unknown>> = [];
  try {
    await waitForPort(port, 'ferretdb', 30_000, ferret);
    infra = await startInfrastructure({ ...process.env, MONGO_URL: mongoUrl }, { harness: true });
    const client = await MongoClient.connect(mongoUrl);
    stops.push(() => client.close());
    const db = client.db(DB);
    const secret = randomBytes(32).toString('base64url');

    // eslint-disable-next-line @typescript-eslint/no-require-imports -- built modules loaded by a path known only at run time
    const { signIdentity } = require(join(ROOT, 'packages', 'common', 'dist', 'index.js')) as { signIdentity: Signer };
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- as above
    const recordsMain = require(join(ROOT, 'services', 'records', 'dist', 'main.js')) as {
      start(env: NodeJS.ProcessEnv): Promise<{ url: string; stop(): Promise<void> }>;
    };
    // Two records services on the same server: one on a database that holds only the measured users'
    // records, one on the database that grows. Their requests alternate, so the machine's load
    // weighs on both sides of each ratio alike.
    const recordsOn = async (dbName: string, queue: string) => {
      const service = await recordsMain.start({
        PORT: '0',
        HOST: '127.0.0.1',
        MONGO_URL: mongoUrl,
        MONGO_DB: dbName,
        AMQP_URL: infra!.env.AMQP_URL,
        EVENTS_EXCHANGE: exchange,
        USER_DELETED_QUEUE: queue,
        IDENTITY_SECRET: secret,
        NODE_ENV: 'test',
        LOG_LEVEL: 'warn',
      });
      stops.push(() => service.stop());
      return service.url;
    };
    const freshUrl = await recordsOn(FRESH_DB, queues[2]!);
    const grownUrl = await recordsOn(DB, queues[0]!);
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- as above
    const workerMain = require(join(ROOT, 'services', 'qa', 'dist', 'worker.js')) as {
      start(env: NodeJS.ProcessEnv): Promise<{ stop(): Promise<void> }>;
    };
    const worker = await workerMain.start({
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

    const call = async (url: string, user: Seeded, method: string, path: string, body?: unknown): Promise<Response> => {
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
        headers: { ...headers, ...(body ? { 'content-type': 'application/json' } : {}) },
        ...(body ? { body: JSON.stringify(body) } : {}),
      });
      if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
      return response;
    };

    const ops: Op[] = [
      { name: 'list (20 newest)', path: () => '/records/?limit=20' },
      { name: 'filtered list (status)', path: () => '/records/?limit=20&status=active' },
      { name: 'deep page (cursor)', path: (u) => `/records/?limit=20&cursor=${u.cursor}` },
      { name: 'single read', path: (u) => `/records/${u.ids[Math.floor(u.ids.length / 2)]}` },
      { name: 'create', path: () => '/records/', method: 'POST' },
    ];

    const measure = async (users: Seeded[]) => {
      const result = new Map<string, { fresh: { p50: number; p99: number }; grown: { p50: number; p99: number } }>();
      const body = { option_type: 'opportunity', description: 'bench', status: 'active' };
      const timed = async (url: string, user: Seeded, op: Op) => {
        const t0 = performance.now();
        const response = await call(url, user, op.method ?? 'GET', op.path(user), op.method === 'POST' ? body : undefined);
        await response.arrayBuffer();
        return performance.now() - t0;
      };
      for (const user of users) {
        for (const op of ops) {
          const fresh: number[] = [];
          const grown: number[] = [];
          for (let i = 0; i < SAMPLES + 3; i += 1) {
            // Alternating which goes first; the first few rounds warm caches and connections.
            let f: number;
            let g: number;
            if (i % 2 === 0) {
              f = await timed(freshUrl, user, op);
              g = await timed(grownUrl, user, op);
            } else {
              g = await timed(grownUrl, user, op);
              f = await timed(freshUrl, user, op);
            }
            if (i >= 3) {
              fresh.push(f);
              grown.push(g);
            }
          }
          const stats = (times: number[]) => {
            times.sort((x, y) => x - y);
            return { p50: quantile(times, 0.5), p99: quantile(times, 0.99) };
          };
          result.set(`${user.name}|${op.name}`, { fresh: stats(fresh), grown: stats(grown) });
        }
      }
      return result;
    };

    const idleCpu = async () => {
      const before = cpuSeconds(ferret.pid);
      await new Promise((resolve) => setTimeout(resolve, IDLE_SECONDS * 1000));
      return ((cpuSeconds(ferret.pid) - before) / IDLE_SECONDS) * 100;
    };

    // A cursor deep in the user's list: the one that follows the record 90 % of the way down.
    const cursorAt = async (user: Seeded, pageSize: number) => {
      const target = Math.floor(user.ids.length * 0.9);
      let link = `/records/?limit=${pageSize}`;
      for (let seen = 0; ;) {
        const page = (await (await call(freshUrl, user, 'GET', link)).json()) as { items: unknown[]; next: string | null };
        seen += page.items.length;
        if (!page.next) throw new Error('the list ended before the deep page');
        link = page.next;
        if (seen >= target) break;
      }
      return /cursor=([^&]+)/.exec(link)![1]!;
    };

    // 1. A fresh database: only the two measured users' records.
    const started = Date.now();
    const big: Seeded = { id: `bench-big-${randomUUID()}`, name: 'big', ids: [], cursor: '' };
    const small: Seeded = { id: `bench-small-${randomUUID()}`, name: 'small', ids: [], cursor: '' };
    const at = Date.now() - 10_000_000;
    for (const target of [db, client.db(FRESH_DB)]) {
      big.ids = await insertRecords(target, big.id, 1, BIG, at);
      small.ids = await insertRecords(target, small.id, BIG + 1, SMALL, at);
    }
    big.cursor = await cursorAt(big, 100);
    small.cursor = await cursorAt(small, 2);
    const idleFresh = await idleCpu();

    // 2. Grown: 100 users, 100,000 records, QA jobs with their files.
    const others = Array.from({ length: USERS - 2 }, (_, i) => `bench-user-${i}-${randomUUID()}`);
    const remaining = TOTAL_RECORDS - BIG - SMALL;
    let nextId = BIG + SMALL + 2 * (SAMPLES + 3) + 1000;
    const seedStarted = Date.now();
    for (const [i, owner] of others.entries()) {
      const count = Math.floor(remaining / others.length) + (i < remaining % others.length ? 1 : 0);
      await insertRecords(db, owner, nextId, count, Date.now() - 5_000_000);
      nextId += count;
    }
    await insertQaJobs(client.db(QA_DB), [big.id, small.id, ...others], QA_JOBS);
    const seedSeconds = (Date.now() - seedStarted) / 1000;
    const idleGrown = await idleCpu();
    const figures = await measure([big, small]);

    const fmt = (n: number) => n.toFixed(1).padStart(7);
    const lines = [
      `bench:scale on FerretDB v1.24.2 (SQLite), ${TOTAL_RECORDS} records of ${USERS} users and ${QA_JOBS} QA jobs with 2 files each (seeded in ${seedSeconds.toFixed(0)} s); ${SAMPLES} samples per figure`,
      '',
      `| | fresh (before seeding) | grown | target |`,
      `|---|---|---|---|`,
      `| idle CPU of the database server over ${IDLE_SECONDS} s (% of one core) | ${idleFresh.toFixed(1)} | ${idleGrown.toFixed(1)} | < 5 |`,
      '',
      `| user | request | fresh p50 ms | fresh p99 ms | grown p50 ms | grown p99 ms | p50 ratio | p99 ratio |`,
      `|---|---|---|---|---|---|---|---|`,
    ];
    for (const user of [big, small]) {
      for (const op of ops) {
        const { fresh: a, grown: b } = figures.get(`${user.name}|${op.name}`)!;
        lines.push(
          `| ${user.name === 'big' ? `${BIG} records` : `${SMALL} records`} | ${op.name} | ${fmt(a.p50)} | ${fmt(a.p99)} | ${fmt(b.p50)} | ${fmt(b.p99)} | ${(b.p50 / a.p50).toFixed(2)} | ${(b.p99 / a.p99).toFixed(2)} |`,
        );
      }
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

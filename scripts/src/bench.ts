import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { registerAndLogin } from './accounts';
import { namespacedStackEnv, startInfrastructure } from './infra';
import { DATA_DIR } from './servers';
import { startProcess, type ManagedProcess } from './stack';

// `npm run bench`: what the gateway costs per request, against a bare Node server (the
// ceiling) and the same upstream called directly, in one run of alternating rounds so that
// a busy moment on the machine hits every row alike. Figures, not a pass/fail on speed: the
// machine and its load decide the absolute numbers; the ratios travel. It fails (exit 1) only
// when some answer was not the expected 2xx, because then it measured refusals, not work.

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
const UPSTREAM_WORK_MS = Number(process.env.BENCH_UPSTREAM_MS ?? 5);
const LOG_LEVEL = process.env.BENCH_LOG_LEVEL ?? 'warn';
// USER_HZ: the unit of /proc/<pid>/stat times; 100 on every mainstream Linux.
const CLOCK_TICKS = 100;

type ServerKind = 'bare' | 'upstream';

/** The servers the gateway is compared with run as their own processes, as the gateway does. */
function serve(kind: ServerKind) {
  const body = JSON.stringify({ username: 'bench', items: Array.from({ length: 20 }, (_, i) => ({ id: i })) });
  const server = createServer((_req, res) => {
    const answer = () => {
      res.setHeader('content-type', 'application/json');
      res.end(kind === 'bare' ? '{"ok":true}' : body.replace('}', `,"at":"${new Date().toISOString()}"}`));
    };
    // The upstream stands in for a service doing a small database read.
    if (kind === 'bare') answer();
    else setTimeout(answer, UPSTREAM_WORK_MS);
  });
  server.keepAliveTimeout = 65_000;
  server.listen(0, '127.0.0.1', () => process.send!({ port: (server.address() as AddressInfo).port }));
  process.on('disconnect', () => process.exit(0));
}

function startChild(kind: ServerKind): Promise<{ url: string; child: ChildProcess }> {
  const child = fork(__filename, ['serve', kind], { env: { ...process.env, BENCH_UPSTREAM_MS: String(UPSTREAM_WORK_MS) }, stdio: 'inherit' });
  return new Promise((resolve, reject) => {
    child.once('message', (m: { port: number }) => resolve({ url: `http://127.0.0.1:${m.port}`, child }));
    child.once('exit', (code) => reject(new Error(`${kind} server exited with ${code}`)));
  });
}

interface Row {
  name: string;
  url: string;
  headers?: Record<string, string>;
  /** The process whose CPU time per request is reported (the gateway), when the row goes through it. */
  pid?: number;
}

interface Figures {
  rps: number;
  p50: number;
  p99: number;
  bad: number;
  /** CPU time (user + system) the gateway process spent per request; NaN when not measured. */
  cpuUs: number;
}

/**
 * CPU time of a process in microseconds, from /proc (Linux). On a shared machine this moves
 * less with the neighbours' load than requests per second do.
 */
function cpuMicros(pid: number | undefined): number {
  if (!pid) return NaN;
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1e6) / CLOCK_TICKS;
  } catch {
    return NaN;
  }
}

async function run(row: Row, seconds: number): Promise<Figures> {
  const cpuBefore = cpuMicros(row.pid);
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    autocannon({ url: row.url, headers: row.headers, connections: CONNECTIONS, duration: seconds }, (err: Error | null, r) => (err ? reject(err) : resolve(r)));
  });
  return {
    rps: result.requests.total / (result.duration || seconds),
    p50: result.latency.p50,
    p99: result.latency.p99,
    bad: result.non2xx + result.errors + result.timeouts,
    cpuUs: (cpuMicros(row.pid) - cpuBefore) / Math.max(1, result.requests.total),
  };
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
};

async function json(url: string, init: RequestInit = {}) {
  const response = await fetch(url, init);
  if (!response.ok) throw new Error(`${init.method ?? 'GET'} ${url}: ${response.status} ${await response.text()}`);
  return { response, body: (await response.json()) as Record<string, unknown> };
}

async function main() {
  const infra = await startInfrastructure(process.env, { harness: true });
  const namespace = `bench-${randomUUID().slice(0, 8)}`;
  const logDir = join(DATA_DIR, 'logs', 'bench');
  mkdirSync(logDir, { recursive: true });
  const children: ChildProcess[] = [];
  const processes: ManagedProcess[] = [];
  try {
    const bare = await startChild('bare');
    const upstream = await startChild('upstream');
    children.push(bare.child, upstream.child);

    const shared = {
      ...process.env,
      ...namespacedStackEnv(infra.env),
      NODE_ENV: 'development',
      LOG_LEVEL,
      IDENTITY_SECRET: randomBytes(32).toString('base64url'),
      EVENTS_EXCHANGE: `${namespace}.events`,
    };
    const auth = await startProcess('auth', { ...shared, MONGO_DB: `${namespace}-auth`, JWT_KEYS_DIR: join(DATA_DIR, 'auth-keys') }, join(logDir, 'auth.log'));
    processes.push(auth);
    const gateway = await startProcess(
      'gateway',
      {
        ...shared,
        AUTH_URL: auth.url,
        RECORDS_URL: upstream.url,
        QA_URL: upstream.url,
        // Raised for the run: the bench measures work, and a 429 would be a refusal counted as speed.
        RATE_LIMIT_PER_USER_PER_MINUTE: '1000000000',
        RATE_LIMIT_PER_ADDRESS_PER_MINUTE: '1000000000',
        RATE_LIMIT_KEY_PREFIX: `${namespace}:rate`,
      },
      join(logDir, 'gateway.log'),
    );
    processes.push(gateway);

    const { token } = await registerAndLogin(gateway.url, 'bench');
    const authorization = { authorization: `Bearer ${token}` };

    const rows: Row[] = [
      { name: 'bare Node http (ceiling)', url: `${bare.url}/` },
      { name: `upstream directly (${UPSTREAM_WORK_MS} ms of work)`, url: `${upstream.url}/records/1/x` },
      { name: 'gateway, proxied (JWT + identity proof)', url: `${gateway.url}/records/1/x`, headers: authorization, pid: gateway.pid },
      { name: 'gateway, cache HIT (/cached-data)', url: `${gateway.url}/cached-data`, headers: authorization, pid: gateway.pid },
      { name: 'gateway, /auth/me end to end', url: `${gateway.url}/auth/me`, headers: authorization, pid: gateway.pid },
    ];
    // Fill the cache, and make sure the rows measure what they are named for.
    for (const path of ['/cached-data', '/auth/me']) {
      await json(`${gateway.url}${path}`, { headers: authorization });
      const { response } = await json(`${gateway.url}${path}`, { headers: authorization });
      if (response.headers.get('x-cache') !== 'HIT') throw new Error(`${path} is not a cache HIT (${response.headers.get('x-cache')})`);
    }
    for (const row of rows) await run(row, 1); // warm-up: JIT, keep-alive sockets, scripts loaded

    const figures = new Map<string, Figures[]>(rows.map((r) => [r.name, []]));
    for (let round = 1; round <= ROUNDS; round++) {
      for (const row of rows) {
        const f = await run(row, SECONDS);
        figures.get(row.name)!.push(f);
        process.stderr.write(`round ${round}: ${row.name}: ${f.rps.toFixed(0)} req/s, p50 ${f.p50} ms, p99 ${f.p99} ms${f.bad ? `, ${f.bad} not 2xx` : ''}\n`);
      }
    }

    const summary = new Map(
      rows.map((row) => {
        const runs = figures.get(row.name)!;
        const figure = { rps: median(runs.map((r) => r.rps)), p50: median(runs.map((r) => r.p50)), p99: median(runs.map((r) => r.p99)) };
        return [row.name, { ...figure, bad: runs.reduce((n, r) => n + r.bad, 0), cpuUs: median(runs.map((r) => r.cpuUs)) }];
      }),
    );
    const [bareF, directF, proxiedF, hitF, meF] = rows.map((r) => summary.get(r.name)!) as [Figures, Figures, Figures, Figures, Figures];
    const out = process.stdout;
    out.write(`\n${ROUNDS} alternating rounds of ${SECONDS} s per row, ${CONNECTIONS} connections, autocannon on the same machine; medians of the rounds\n\n`);
    out.write('| row | req/s | p50 ms | p99 ms | vs bare | gateway CPU µs/req | not 2xx |\n|---|---|---|---|---|---|---|\n');
    for (const row of rows) {
      const f = summary.get(row.name)!;
      const cpu = Number.isNaN(f.cpuUs) ? '' : f.cpuUs.toFixed(0);
      out.write(`| ${row.name} | ${f.rps.toFixed(0)} | ${f.p50} | ${f.p99} | ${((100 * f.rps) / bareF.rps).toFixed(1)} % | ${cpu} | ${f.bad} |\n`);
    }
    const ratio = (name: string, value: number, target: number, unit = 'x', atMost = false) =>
      `| ${name} | ${unit === '%' ? `${(value * 100).toFixed(1)} %` : `${value.toFixed(2)}x`} | ${atMost ? '≤' : '≥'} ${unit === '%' ? `${target * 100} %` : `${target}x`} | ${(atMost ? value <= target : value >= target) ? 'met' : 'not met'} |\n`;
    out.write('\n| ratio | measured | target | |\n|---|---|---|---|\n');
    out.write(ratio('cache HIT / bare Node', hitF.rps / bareF.rps, 0.25, '%'));
    out.write(ratio('cache HIT / upstream directly', hitF.rps / directF.rps, 1.5));
    out.write(ratio('proxied / upstream directly', proxiedF.rps / directF.rps, 0.6));
    out.write(ratio('/auth/me / cache HIT', meF.rps / hitF.rps, 0.6));
    out.write(ratio('cache HIT p99 / p50', hitF.p99 / Math.max(hitF.p50, 1), 3, 'x', true));
    const bad = [...summary.values()].reduce((n, f) => n + f.bad, 0);
    if (bad > 0) {
      out.write(`\n${bad} answers were not the expected 2xx: these figures measure refusals, not work.\n`);
      process.exitCode = 1;
    }
  } finally {
    for (const p of processes.reverse()) await p.stop().catch(() => undefined);
    for (const child of children) child.kill();
    await infra.stop();
  }
}

if (process.argv[2] === 'serve') serve(process.argv[3] as ServerKind);
else
  void main().then(
    () => process.exit(process.exitCode ?? 0),
    (err) => {
      process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
      process.exit(1);
    },
  );

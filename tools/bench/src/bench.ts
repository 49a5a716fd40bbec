import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { registerAndLogin } from '@app/launcher/accounts';
import { namespacedStackEnv, startInfrastructure } from '@app/infra/infra';
import { closedLoop, openLoop, type LatencyFigures } from './load-generator';
import { cpuMillis } from './process-cpu';
import { DATA_DIR, startJaeger, type JaegerServer } from '@app/infra';
import { freePort, spawnService, type ManagedProcess } from '@app/launcher/stack';

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
// The traced row's OTEL_TRACES_SAMPLER_ARG; unset: the services' default.
const SAMPLING = process.env.BENCH_SAMPLING;
// A folder: the gateway writes a V8 CPU profile there when the run ends (open it in Chrome DevTools).
const CPU_PROFILE_DIR = process.env.BENCH_CPU_PROFILE;

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

type RowKey = 'bare' | 'direct' | 'proxied' | 'hit' | 'traced' | 'me';
const ROW_KEYS: readonly RowKey[] = ['bare', 'direct', 'proxied', 'hit', 'traced', 'me'];
// Only these rows (comma-separated keys), e.g. `hit` while profiling; ratios need both their rows.
const ONLY = new Set((process.env.BENCH_ROWS ?? ROW_KEYS.join(',')).split(',').map((k) => k.trim()));
// The fixed request rate of the latency rounds, as a fraction of the measured HIT throughput.
const RATE_FRACTION = Number(process.env.BENCH_RATE_FRACTION ?? 0.5);

interface Row {
  key: RowKey;
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

async function run(row: Row, seconds: number): Promise<Figures> {
  const cpuBefore = cpuMillis(row.pid) * 1000;
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    autocannon({ url: row.url, headers: row.headers, connections: CONNECTIONS, duration: seconds }, (err: Error | null, r) =>
      err ? reject(err) : resolve(r),
    );
  });
  return {
    rps: result.requests.total / (result.duration || seconds),
    p50: result.latency.p50,
    p99: result.latency.p99,
    bad: result.non2xx + result.errors + result.timeouts,
    cpuUs: (cpuMillis(row.pid) * 1000 - cpuBefore) / Math.max(1, result.requests.total),
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

type LatencyKind = 'saturation' | 'fixed';

interface LatencyCase {
  name: string;
  row: Row;
  kind: LatencyKind;
}

function medianLatency(runs: LatencyFigures[]): LatencyFigures {
  const pick = (f: (r: LatencyFigures) => number | undefined) => median(runs.map((r) => f(r) ?? NaN));
  return {
    requests: runs.reduce((n, r) => n + r.requests, 0),
    bad: runs.reduce((n, r) => n + r.bad, 0),
    rps: pick((r) => r.rps),
    p50Us: pick((r) => r.p50Us),
    p90Us: pick((r) => r.p90Us),
    p99Us: pick((r) => r.p99Us),
    p999Us: pick((r) => r.p999Us),
    maxUs: pick((r) => r.maxUs),
    sendLagP50Us: pick((r) => r.sendLagP50Us),
    sendLagP99Us: pick((r) => r.sendLagP99Us),
  };
}

async function main() {
  const infra = await startInfrastructure(process.env, { harness: true });
  const namespace = `bench-${randomUUID().slice(0, 8)}`;
  const logDir = join(DATA_DIR, 'logs', 'bench');
  mkdirSync(logDir, { recursive: true });
  const children: ChildProcess[] = [];
  const processes: ManagedProcess[] = [];
  let jaeger: JaegerServer | undefined;
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
    const auth = await spawnService(
      'auth',
      { ...shared, MONGO_DB: `${namespace}-auth`, JWT_KEYS_DIR: join(DATA_DIR, 'auth-keys') },
      join(logDir, 'auth.log'),
    );
    processes.push(auth);
    const gatewayEnv = {
      ...shared,
      AUTH_URL: auth.url,
      RECORDS_URL: upstream.url,
      QA_URL: upstream.url,
      // Raised for the run: the bench measures work, and a 429 would be a refusal counted as speed.
      RATE_LIMIT_PER_USER_PER_MINUTE: '1000000000',
      RATE_LIMIT_PER_ADDRESS_PER_MINUTE: '1000000000',
      RATE_LIMIT_KEY_PREFIX: `${namespace}:rate`,
      ...(CPU_PROFILE_DIR ? { NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --cpu-prof --cpu-prof-dir=${CPU_PROFILE_DIR}`.trim() } : {}),
    };
    // Untraced, as when no OTLP endpoint is configured: the SDK is not even loaded.
    const gateway = await spawnService('gateway', { ...gatewayEnv, OTEL_EXPORTER_OTLP_ENDPOINT: '' }, join(logDir, 'gateway.log'));
    processes.push(gateway);
    // The same gateway traced at the default sampling, exporting to a real Jaeger on free ports.
    let traced: ManagedProcess | undefined;
    if (ONLY.has('traced')) {
      jaeger = await startJaeger({
        ports: { ui: await freePort(), otlpHttp: await freePort(), queryGrpc: await freePort(), health: await freePort() },
        name: 'jaeger-bench',
      });
      // The sampling at its default, whatever the shell says, unless BENCH_SAMPLING asks for another.
      const { OTEL_TRACES_SAMPLER_ARG: _default, ...untouched }: NodeJS.ProcessEnv = gatewayEnv;
      const sampling = SAMPLING === undefined ? {} : { OTEL_TRACES_SAMPLER_ARG: SAMPLING };
      traced = await spawnService(
        'gateway',
        { ...untouched, ...sampling, OTEL_EXPORTER_OTLP_ENDPOINT: jaeger.otlpUrl },
        join(logDir, 'gateway-traced.log'),
      );
      processes.push(traced);
    }

    const { token } = await registerAndLogin(gateway.url, 'bench');
    const authorization = { authorization: `Bearer ${token}` };

    const allRows: Row[] = [
      { key: 'bare', name: 'bare Node http (ceiling)', url: `${bare.url}/` },
      { key: 'direct', name: `upstream directly (${UPSTREAM_WORK_MS} ms of work)`, url: `${upstream.url}/records/1/x` },
      {
        key: 'proxied',
        name: 'gateway, proxied (JWT + identity proof)',
        url: `${gateway.url}/records/1/x`,
        headers: authorization,
        pid: gateway.pid,
      },
      { key: 'hit', name: 'gateway, cache HIT (/cached-data)', url: `${gateway.url}/cached-data`, headers: authorization, pid: gateway.pid },
      ...(traced
        ? [
            {
              key: 'traced' as const,
              name: `gateway, cache HIT, tracing on (${SAMPLING === undefined ? 'default sampling' : `sampling ${SAMPLING}`}, to Jaeger)`,
              url: `${traced.url}/cached-data`,
              headers: authorization,
              pid: traced.pid,
            },
          ]
        : []),
      { key: 'me', name: 'gateway, /auth/me end to end', url: `${gateway.url}/auth/me`, headers: authorization, pid: gateway.pid },
    ];
    const rows = allRows.filter((r) => ONLY.has(r.key));
    // Fill the cache, and make sure the rows measure what they are named for.
    for (const [origin, path] of [
      [gateway.url, '/cached-data'],
      [gateway.url, '/auth/me'],
      ...(traced ? [[traced.url, '/cached-data']] : []),
    ] as const) {
      await json(`${origin}${path}`, { headers: authorization });
      const { response } = await json(`${origin}${path}`, { headers: authorization });
      if (response.headers.get('x-cache') !== 'HIT') throw new Error(`${path} is not a cache HIT (${response.headers.get('x-cache')})`);
    }
    for (const row of rows) await run(row, 1); // warm-up: JIT, keep-alive sockets, scripts loaded

    const figures = new Map<RowKey, Figures[]>(rows.map((r) => [r.key, []]));
    for (let round = 1; round <= ROUNDS; round++) {
      // Every other round in reverse, so that no row is always the one measured after another (warmer, or later in a busy spell).
      for (const row of round % 2 === 1 ? rows : [...rows].reverse()) {
        const f = await run(row, SECONDS);
        figures.get(row.key)!.push(f);
        process.stderr.write(
          `round ${round}: ${row.name}: ${f.rps.toFixed(0)} req/s, p50 ${f.p50} ms, p99 ${f.p99} ms, ${f.cpuUs.toFixed(0)} µs CPU/req${f.bad ? `, ${f.bad} not 2xx` : ''}\n`,
        );
      }
    }

    const summary = new Map<RowKey, Figures>(
      rows.map((row) => {
        const runs = figures.get(row.key)!;
        const figure = { rps: median(runs.map((r) => r.rps)), p50: median(runs.map((r) => r.p50)), p99: median(runs.map((r) => r.p99)) };
        return [row.key, { ...figure, bad: runs.reduce((n, r) => n + r.bad, 0), cpuUs: median(runs.map((r) => r.cpuUs)) }];
      }),
    );

    // Latency with microsecond resolution, for the HIT (and bare Node at the same rate, the floor
    // that the generator and the kernel alone cost): at saturation as above, and at a fixed rate
    // below it, measured from each request's due time.
    const hitRow = rows.find((r) => r.key === 'hit');
    const bareRow = rows.find((r) => r.key === 'bare');
    const rate = hitRow ? Math.round(RATE_FRACTION * summary.get('hit')!.rps) : 0;
    const cases: LatencyCase[] = hitRow
      ? [
          { name: `cache HIT at saturation (${CONNECTIONS} connections, closed loop)`, row: hitRow, kind: 'saturation' },
          { name: `cache HIT at ${rate} req/s (${Math.round(RATE_FRACTION * 100)} % of its throughput, open loop)`, row: hitRow, kind: 'fixed' },
          ...(bareRow ? [{ name: `bare Node http at ${rate} req/s (open loop)`, row: bareRow, kind: 'fixed' as const }] : []),
        ]
      : [];
    const latencyRuns = new Map<string, LatencyFigures[]>(cases.map((c) => [c.name, []]));
    const measure = (c: LatencyCase, seconds: number) =>
      c.kind === 'saturation' ? closedLoop(c.row, CONNECTIONS, seconds) : openLoop(c.row, rate, seconds);
    for (const c of cases) await measure(c, 1);
    for (let round = 1; round <= ROUNDS; round++) {
      for (const c of cases) {
        const f = await measure(c, SECONDS);
        latencyRuns.get(c.name)!.push(f);
        process.stderr.write(
          `latency round ${round}: ${c.name}: ${f.rps.toFixed(0)} req/s, p50 ${f.p50Us.toFixed(0)} µs, p99 ${f.p99Us.toFixed(0)} µs${f.bad ? `, ${f.bad} not 2xx` : ''}\n`,
        );
      }
    }
    const latency = new Map(cases.map((c) => [c.name, medianLatency(latencyRuns.get(c.name)!)]));

    const out = process.stdout;
    const load = loadavg()
      .map((l) => l.toFixed(2))
      .join(', ');
    out.write(`\n${new Date().toISOString()}, load average at the end ${load}; ${cpus().length} cores\n`);
    out.write(
      `${ROUNDS} alternating rounds of ${SECONDS} s per row, ${CONNECTIONS} connections, autocannon on the same machine; medians of the rounds\n\n`,
    );
    out.write('| row | req/s | p50 ms | p99 ms | vs bare | gateway CPU µs/req | not 2xx |\n|---|---|---|---|---|---|---|\n');
    const bareF = summary.get('bare');
    for (const row of rows) {
      const f = summary.get(row.key)!;
      const cpu = Number.isNaN(f.cpuUs) ? '' : f.cpuUs.toFixed(0);
      const vsBare = bareF ? `${((100 * f.rps) / bareF.rps).toFixed(1)} %` : '';
      out.write(`| ${row.name} | ${f.rps.toFixed(0)} | ${f.p50} | ${f.p99} | ${vsBare} | ${cpu} | ${f.bad} |\n`);
    }
    if (cases.length > 0) {
      out.write(
        `\nLatency in µs, this bench's own generator (raw keep-alive sockets, process.hrtime); medians of ${ROUNDS} rounds of ${SECONDS} s.\n`,
      );
      out.write('Open loop: latency from each request\'s due time; "send lag" is how late the generator itself sent.\n\n');
      out.write(
        '| measurement | req/s | p50 µs | p90 µs | p99 µs | p99.9 µs | p99/p50 | send lag p50/p99 µs | not 2xx |\n|---|---|---|---|---|---|---|---|---|\n',
      );
      for (const c of cases) {
        const f = latency.get(c.name)!;
        const lag = c.kind === 'fixed' ? `${f.sendLagP50Us!.toFixed(0)} / ${f.sendLagP99Us!.toFixed(0)}` : '';
        out.write(
          `| ${c.name} | ${f.rps.toFixed(0)} | ${f.p50Us.toFixed(0)} | ${f.p90Us.toFixed(0)} | ${f.p99Us.toFixed(0)} | ${f.p999Us.toFixed(0)} | ${(f.p99Us / f.p50Us).toFixed(2)} | ${lag} | ${f.bad} |\n`,
        );
      }
    }

    const ratio = (name: string, value: number, target: number, unit = 'x', atMost = false) =>
      `| ${name} | ${unit === '%' ? `${(value * 100).toFixed(1)} %` : `${value.toFixed(2)}x`} | ${atMost ? '≤' : '≥'} ${unit === '%' ? `${target * 100} %` : `${target}x`} | ${(atMost ? value <= target : value >= target) ? 'met' : 'not met'} |\n`;
    const has = (...keys: RowKey[]) => keys.every((k) => summary.has(k));
    const f = (k: RowKey) => summary.get(k)!;
    out.write('\n| ratio | measured | target | |\n|---|---|---|---|\n');
    if (has('hit', 'bare')) out.write(ratio('cache HIT / bare Node', f('hit').rps / f('bare').rps, 0.25, '%'));
    if (has('hit', 'direct')) out.write(ratio('cache HIT / upstream directly', f('hit').rps / f('direct').rps, 1.5));
    if (has('proxied', 'direct')) out.write(ratio('proxied / upstream directly', f('proxied').rps / f('direct').rps, 0.6));
    if (has('me', 'hit')) out.write(ratio('/auth/me / cache HIT', f('me').rps / f('hit').rps, 0.6));
    if (has('traced', 'hit')) {
      out.write(ratio('cache HIT, tracing on / tracing off', f('traced').rps / f('hit').rps, 0.85, '%'));
      // Round by round (each pair run back to back), for the spread a busy machine puts on the median;
      // and by CPU per request, which other processes' load moves less than throughput.
      const off = figures.get('hit')!;
      const on = figures.get('traced')!;
      const spread = (values: number[]) =>
        `${values.map((v) => (100 * v).toFixed(1)).join(', ')} % (median ${(100 * median(values)).toFixed(1)}, min–max ${(100 * Math.min(...values)).toFixed(1)}–${(100 * Math.max(...values)).toFixed(1)})`;
      const byRps = off.map((o, i) => on[i]!.rps / o.rps);
      const byCpu = off.map((o, i) => o.cpuUs / on[i]!.cpuUs);
      out.write(`| the same, round by round | ${spread(byRps)} | | |\n`);
      out.write(`| the same by CPU per request (off µs / on µs), round by round | ${spread(byCpu)} | | |\n`);
    }
    if (hitRow) {
      const fixed = latency.get(cases[1]!.name)!;
      const saturated = latency.get(cases[0]!.name)!;
      out.write(ratio(`cache HIT p99 / p50 at ${rate} req/s (the target's measurement)`, fixed.p99Us / fixed.p50Us, 3, 'x', true));
      out.write(`| cache HIT p99 / p50 at saturation (for reference) | ${(saturated.p99Us / saturated.p50Us).toFixed(2)}x | | |\n`);
      out.write(
        `\nThe p99 ≤ 3× p50 check uses the fixed rate (${Math.round(RATE_FRACTION * 100)} % of the HIT's throughput): that is the latency a client sees when the\n` +
          `gateway is not overloaded. At saturation every request queues behind the other ${CONNECTIONS - 1} connections' requests, so its\n` +
          'p50 is set by the queue (connections / throughput) and its p99 by whatever stalls the machine, not by the gateway alone.\n',
      );
    }
    const bad = [...summary.values()].reduce((n, x) => n + x.bad, 0) + [...latency.values()].reduce((n, x) => n + x.bad, 0);
    if (bad > 0) {
      out.write(`\n${bad} answers were not the expected 2xx: these figures measure refusals, not work.\n`);
      process.exitCode = 1;
    }
  } finally {
    for (const p of processes.reverse()) await p.stop().catch(() => undefined);
    for (const child of children) child.kill();
    await jaeger?.stop();
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

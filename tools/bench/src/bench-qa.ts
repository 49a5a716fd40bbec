/**
 * `npm run bench:qa`: two 2-page PDFs (a resume and a job description) through the gateway with
 * `Prefer: wait=30`, one after another and then 8 at a time, against the whole stack started as
 * separate processes (gateway, auth, qa, one qa-worker with its default concurrency).
 *
 * Prints p50/p99, jobs/s, the share of the time spent in the analysis itself (the same PDFs
 * analysed in this process, as the baseline), and failures. Figures, not a pass/fail: the machine
 * and its load decide the absolute numbers.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join, resolve } from 'node:path';
import { analysePdfs } from '@app/resume-analysis';
import { ROOT } from '@app/infra';
import { registerAndLogin } from '@app/launcher/accounts';
import { namespacedStackEnv, startInfrastructure } from '@app/infra/infra';
import { groupCpu, serverPids } from './process-cpu';
import { freePort, startStack, type ServiceName, type Stack } from '@app/launcher/stack';

const SEQUENTIAL = Number(process.env.BENCH_SEQUENTIAL ?? 20);
const PARALLEL_JOBS = Number(process.env.BENCH_JOBS ?? 60);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);
// A folder: every service writes V8 CPU profiles there when the run ends (open them in Chrome DevTools).
const CPU_PROFILE_DIR = process.env.BENCH_CPU_PROFILE;
const PAIR = join(ROOT, 'packages', 'resume-analysis', 'fixtures', 'labelled', '08-accountant');
const resume = readFileSync(join(PAIR, 'resume.pdf'));
const jd = readFileSync(join(PAIR, 'jd.pdf'));

let uploads = 0;
/** A comment appended after %%EOF makes each upload new to deduplication and changes nothing else. */
function unique(pdf: Buffer): Blob {
  uploads += 1;
  return new Blob([pdf, Buffer.from(`\n% bench ${uploads} ${randomUUID()}\n`)], { type: 'application/pdf' });
}

interface Run {
  latencies: number[];
  workerMs: number[];
  /** Per job, where its time went: [before the job was recorded, in the queue, in the worker, after the worker]. */
  phases: number[][];
  failures: string[];
  seconds: number;
  /** CPU milliseconds per job, by process (Linux only). */
  cpuPerJob: Record<string, number>;
}

async function upload(gateway: string, token: string, run: Run): Promise<void> {
  const form = new FormData();
  form.append('resume', unique(resume), 'resume.pdf');
  form.append('jd', unique(jd), 'jd.pdf');
  const started = performance.now();
  const startedAt = Date.now();
  const response = await fetch(`${gateway}/qa/generate`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, prefer: 'wait=30' },
    body: form,
  });
  const body = (await response.json()) as {
    status?: string;
    durationMs?: number;
    createdAt?: string;
    startedAt?: string;
    finishedAt?: string;
    error?: unknown;
  };
  run.latencies.push(performance.now() - started);
  const answeredAt = Date.now();
  if (body.createdAt && body.startedAt && body.finishedAt) {
    const [created, begun, finished] = [Date.parse(body.createdAt), Date.parse(body.startedAt), Date.parse(body.finishedAt)];
    run.phases.push([created - startedAt, begun - created, finished - begun, answeredAt - finished]);
  }
  if (response.status !== 200 || body.status !== 'completed') {
    run.failures.push(`${response.status} ${JSON.stringify(body).slice(0, 200)}`);
    return;
  }
  if (typeof body.durationMs === 'number') run.workerMs.push(body.durationMs);
}

/** Every process a job passes through: the stack's services and the servers, whose CPU time is counted per job. */
function processGroups(stack: Stack): Record<string, Array<number | undefined>> {
  const services = Object.fromEntries(
    (['gateway', 'qa', 'qa-worker'] as const).map((name) => [name === 'qa' ? 'qa api' : name, [stack.services[name].pid]]),
  );
  return { ...services, ...serverPids() };
}

async function load(stack: Stack, token: string, jobs: number, concurrency: number): Promise<Run> {
  const gateway = stack.gatewayUrl;
  const run: Run = { latencies: [], workerMs: [], phases: [], failures: [], seconds: 0, cpuPerJob: {} };
  let next = 0;
  const groups = processGroups(stack);
  const cpuBefore = groupCpu(groups);
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < jobs) {
        next += 1;
        await upload(gateway, token, run);
      }
    }),
  );
  run.seconds = (performance.now() - started) / 1000;
  const cpuAfter = groupCpu(groups);
  for (const name of Object.keys(groups)) run.cpuPerJob[name] = (cpuAfter[name]! - cpuBefore[name]!) / Math.max(1, jobs);
  return run;
}

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
};
const mean = (values: number[]) => values.reduce((sum, v) => sum + v, 0) / Math.max(1, values.length);

async function analysisBaseline(): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < 12; i++) {
    const started = performance.now();
    await analysePdfs(resume, jd);
    times.push(performance.now() - started);
  }
  // The first runs load pdf.js and the language model, which the worker's threads do at start.
  return percentile(times.slice(4), 50);
}

async function main(): Promise<void> {
  const infra = await startInfrastructure(process.env, { harness: true });
  const ports: Partial<Record<ServiceName, number>> = {};
  for (const name of ['gateway', 'auth', 'records', 'qa', 'qa-worker'] as const) ports[name] = await freePort();
  const stack = await startStack({
    infraEnv: namespacedStackEnv(infra.env),
    ports,
    namespace: `bench-${randomUUID().slice(0, 8)}`,
    nodeEnv: 'development',
    env: {
      LOG_LEVEL: 'warn',
      ...(CPU_PROFILE_DIR ? { NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --cpu-prof --cpu-prof-dir=${resolve(CPU_PROFILE_DIR)}`.trim() } : {}),
    },
  });
  try {
    const { token } = await registerAndLogin(stack.gatewayUrl, 'bench');
    const analysisMs = await analysisBaseline();
    // Warm-up: connections, JIT and the worker's threads.
    await load(stack, token, 4, 1);
    const sequential = await load(stack, token, SEQUENTIAL, 1);
    const parallel = await load(stack, token, PARALLEL_JOBS, CONCURRENCY);

    const row = (name: string, run: Run) => {
      const p50 = percentile(run.latencies, 50);
      return `| ${name.padEnd(22)} | ${String(run.latencies.length).padStart(4)} | ${p50.toFixed(0).padStart(6)} | ${percentile(run.latencies, 99).toFixed(0).padStart(6)} | ${(run.latencies.length / run.seconds).toFixed(1).padStart(6)} | ${mean(run.workerMs).toFixed(0).padStart(9)} | ${((analysisMs / p50) * 100).toFixed(0).padStart(8)}% | ${String(run.failures.length).padStart(8)} |`;
    };
    const widths = [16, 5, 6, 6] as const;
    const phaseRow = (name: string, run: Run) =>
      `| ${name.padEnd(22)} | ${widths
        .map((width, i) =>
          percentile(
            run.phases.map((p) => p[i]!),
            50,
          )
            .toFixed(0)
            .padStart(width),
        )
        .join(' | ')} |`;
    const total = (cpu: Record<string, number>) => Object.values(cpu).reduce((sum, ms) => sum + ms, 0);
    const cpuRow = (name: string, run: Run) =>
      `| ${name.padEnd(22)} | ${Object.values(run.cpuPerJob)
        .map((ms) => ms.toFixed(1).padStart(9))
        .join(' | ')} | ${total(run.cpuPerJob).toFixed(1).padStart(9)} |`;
    process.stdout.write(
      [
        '',
        `Two 2-page PDFs per job through the gateway, Prefer: wait=30; one qa-worker (default concurrency).`,
        `Analysis alone (extraction + analysis of the same PDFs in one thread, median): ${analysisMs.toFixed(1)} ms`,
        '',
        '| run                    | jobs | p50 ms | p99 ms | jobs/s | worker ms | analysis | failures |',
        '|------------------------|------|--------|--------|--------|-----------|----------|----------|',
        row('sequential', sequential),
        row(`${CONCURRENCY} at a time`, parallel),
        '',
        '"worker ms": the job\'s time in the worker (start to result, mean). "analysis": analysis alone / p50.',
        '',
        "Where a job's time goes (median ms; clocks of one machine, to the millisecond):",
        '',
        '| run                    | upload to record | queue | worker | answer |',
        '|------------------------|------------------|-------|--------|--------|',
        phaseRow('sequential', sequential),
        phaseRow(`${CONCURRENCY} at a time`, parallel),
        '',
        '"upload to record": the request sent until the API recorded the job; "queue": recorded until a worker',
        'started it; "worker": started until finished; "answer": finished until the client had the answer.',
        '',
        'CPU per job, by process (ms; the worker includes its analysis threads):',
        '',
        `| run                    | ${Object.keys(parallel.cpuPerJob)
          .map((name) => name.padStart(9))
          .join(' | ')} |     total |`,
        `|------------------------|${Object.keys(parallel.cpuPerJob)
          .map(() => '-----------')
          .join('|')}|-----------|`,
        cpuRow('sequential', sequential),
        cpuRow(`${CONCURRENCY} at a time`, parallel),
        '',
        total(parallel.cpuPerJob) > 0
          ? `At this CPU per job, ${cpus().length} cores could finish at most ${((cpus().length * 1000) / total(parallel.cpuPerJob)).toFixed(1)} jobs/s.`
          : '',
        '',
      ].join('\n'),
    );
    for (const failure of [...sequential.failures, ...parallel.failures].slice(0, 5)) process.stdout.write(`failure: ${failure}\n`);
  } finally {
    await stack.stop();
    await infra.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});

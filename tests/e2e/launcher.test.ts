import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { ROOT, isListening } from '@app/infra';
import { freePortRun, launcherEnv } from '@app/testkit/e2e-stack';
import { waitFor } from '@app/testkit/wait';

interface LauncherRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `npm start` as a person runs it (its built entry point), against the servers already running. */
async function runLauncher(env: NodeJS.ProcessEnv, timeoutMs: number): Promise<LauncherRun> {
  const child = spawn(process.execPath, [join(ROOT, 'tools/launcher/dist/start.js')], { cwd: ROOT, env: launcherEnv(env) });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const timer = setTimeout(() => child.kill('SIGINT'), timeoutMs);
  const code = await new Promise<number | null>((resolve) => child.once('exit', (exitCode) => resolve(exitCode)));
  clearTimeout(timer);
  return { code, stdout, stderr };
}

describe('npm start, when a service keeps crashing', () => {
  it('restarts it with growing waits, then gives up: names it, prints its last log lines, stops the rest and exits 1', async () => {
    const port = await freePortRun();
    const started = Date.now();
    const run = await runLauncher(
      {
        STACK_PORT: String(port),
        STACK_NAMESPACE: `launch-${randomUUID().slice(0, 8)}`,
        RESTART_BACKOFF_MS: '100',
        RESTART_BACKOFF_MAX_MS: '5000',
        RESTART_MAX_CRASHES: '3',
        RESTART_WINDOW_SECONDS: '60',
        // Invalid for the worker only (at least 1): it exits at start, every time.
        QA_WORKER_CONCURRENCY: '0',
      },
      90_000,
    );
    expect(Date.now() - started).toBeLessThan(90_000);
    expect(run.code).toBe(1);
    // Two restarts, the second after twice the wait, then no third.
    expect(run.stdout).toMatch(/qa-worker exited \(exit code 1\); restarting it in 100 ms/);
    expect(run.stdout).toMatch(/qa-worker exited \(exit code 1\); restarting it in 200 ms/);
    expect(run.stdout).not.toMatch(/restarting it in 400 ms/);
    expect(run.stderr).toMatch(/qa-worker crashed 3 times within 60 s \(last exit code 1\); not restarting it\./);
    // The worker's own words, from its log: which setting is wrong.
    expect(run.stderr).toMatch(/\| .*QA_WORKER_CONCURRENCY is invalid/);
    expect(run.stdout).not.toMatch(/Gateway: {5}http/);
    // Nothing it started is left listening.
    for (let i = 0; i <= 4; i++) expect(await isListening(port + i)).toBe(false);
  }, 120_000);
});

describe('npm start, with tracing on', () => {
  it('starts Jaeger, prints its UI in the banner as Traces:, the stack traces into it, and Ctrl-C stops it with the rest', async () => {
    const port = await freePortRun();
    let jaegerPort = await freePortRun();
    while (Math.abs(jaegerPort - port) < 5) jaegerPort = await freePortRun();
    const child = spawn(process.execPath, [join(ROOT, 'tools/launcher/dist/start.js')], {
      cwd: ROOT,
      env: launcherEnv({
        STACK_PORT: String(port),
        STACK_NAMESPACE: `launch-${randomUUID().slice(0, 8)}`,
        JAEGER: 'on',
        JAEGER_PORT: String(jaegerPort),
      }),
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      await waitFor('the start banner', () => output.includes(`Gateway:     http://127.0.0.1:${port}`) || child.exitCode !== null, {
        timeoutMs: 120_000,
        intervalMs: 100,
        detail: () => `output so far:\n${output.slice(-4000)}`,
      });
      const ui = `http://127.0.0.1:${jaegerPort}`;
      expect(output).toContain(`Traces:      ${ui}  (Jaeger)`);
      // The link leads to the stack's traces: a request through the gateway shows up under its service.
      expect((await fetch(`http://127.0.0.1:${port}/records/`)).status).toBe(401);
      await waitFor(
        "the gateway's traces in Jaeger",
        async () => ((await (await fetch(`${ui}/api/services`)).json()) as { data: string[] | null }).data?.includes('gateway'),
        { timeoutMs: 30_000, intervalMs: 250 },
      );
    } finally {
      child.kill('SIGINT');
    }
    expect(await exited).toBe(0);
    for (let i = 0; i <= 4; i++) expect(await isListening(port + i)).toBe(false);
    for (let i = 0; i <= 3; i++) expect(await isListening(jaegerPort + i)).toBe(false);
  }, 180_000);
});

import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, isListening } from '@app/infra';
import { SourceWatcher, type SourceChange } from '@app/launcher/source-watcher';
import { freePortRun, launcherEnv } from '@app/testkit/e2e-stack';
import { sleep, waitFor } from '@app/testkit/wait';

/** The end of what the process printed, for a wait that timed out. */
const tail = (text: string) => `output so far:\n${text.slice(-4000)}`;

describe('npm run dev', () => {
  let dev: ChildProcessWithoutNullStreams | undefined;
  let output = '';
  let port: number;

  afterAll(async () => {
    if (dev && dev.exitCode === null) {
      const exited = new Promise((resolve) => dev!.once('exit', resolve));
      dev.kill('SIGINT');
      await exited;
    }
  });

  it('starts the stack with pretty, prefixed logs; a touched records source restarts records and nothing else; Ctrl-C stops all', async () => {
    port = await freePortRun();
    dev = spawn(process.execPath, [join(ROOT, 'tools/launcher/dist/dev.js')], {
      cwd: ROOT,
      env: launcherEnv({ STACK_PORT: String(port), STACK_NAMESPACE: `dev-${randomUUID().slice(0, 8)}` }),
    });
    dev.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    dev.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    await waitFor('the stack to be ready', () => output.includes(`Gateway:     http://127.0.0.1:${port}`), {
      timeoutMs: 90_000,
      intervalMs: 100,
      detail: () => tail(output),
    });

    // pino JSON became one readable line per entry, under the service's name.
    expect(output).toMatch(/^records {3}│ \[\d\d:\d\d:\d\d\.\d{3}\] INFO: records listening/m);
    expect(output).toMatch(/^gateway {3}│ \[\d\d:\d\d:\d\d\.\d{3}\] INFO: gateway listening/m);
    expect(output).not.toMatch(/^records .*│ \{"level"/m);

    const before = output.length;
    const now = new Date();
    utimesSync(join(ROOT, 'services/records/src/config.ts'), now, now);
    await waitFor('records to restart', () => /\[dev\] records restarted/.test(output.slice(before)), {
      timeoutMs: 60_000,
      intervalMs: 100,
      detail: () => tail(output),
    });
    await waitFor('records to listen again', () => /^records {3}│ .*records listening/m.test(output.slice(before)), {
      timeoutMs: 60_000,
      intervalMs: 100,
      detail: () => tail(output),
    });
    const after = output.slice(before);
    expect(after).toContain('[dev] services/records/src/config.ts changed; building services/records');
    expect(after).toMatch(/^records {3}│ .*shutting down/m);
    for (const other of ['gateway', 'auth', 'qa', 'qa-worker']) expect(after).not.toContain(`[dev] ${other} restarted`);
    const ready = await fetch(`http://127.0.0.1:${port + 2}/ready`);
    expect(ready.status).toBe(200);

    const exited = new Promise<number | null>((resolve) => dev!.once('exit', (code) => resolve(code)));
    dev.kill('SIGINT');
    expect(await exited).toBe(0);
    for (let i = 0; i <= 4; i++) expect(await isListening(port + i)).toBe(false);
  }, 180_000);
});

describe('the source watcher of npm run dev', () => {
  let root: string;
  let watcher: SourceWatcher | undefined;
  const changes: SourceChange[] = [];

  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'dev-watch-'));
    for (const folder of [
      'gateway/src',
      'services/auth/src',
      'services/records/src',
      'services/qa/src',
      'packages/resume-analysis/src',
      'packages/common/src',
    ]) {
      mkdirSync(join(root, folder), { recursive: true });
    }
    watcher = new SourceWatcher(
      root,
      async (change) => {
        changes.push(change);
      },
      100,
    );
    watcher.start();
  });

  afterAll(() => {
    watcher?.close();
    rmSync(root, { recursive: true, force: true });
  });

  async function nextChange(): Promise<SourceChange> {
    const count = changes.length;
    await waitFor('a change', () => changes.length > count, { timeoutMs: 5000, intervalMs: 100, detail: () => JSON.stringify(changes) });
    // Anything reported after the first one would be a burst split in two.
    await sleep(400);
    expect(changes).toHaveLength(count + 1);
    return changes[count]!;
  }

  it('an edit in the analysis package concerns the qa API and its worker, and nothing else', async () => {
    writeFileSync(join(root, 'packages/resume-analysis/src/skill-matcher.ts'), 'export {};\n');
    const change = await nextChange();
    expect(change.services.sort()).toEqual(['qa', 'qa-worker']);
    expect(change.files).toEqual(['packages/resume-analysis/src/skill-matcher.ts']);
  });

  it('an edit in packages/common concerns every service', async () => {
    writeFileSync(join(root, 'packages/common/src/errors.ts'), 'export {};\n');
    const change = await nextChange();
    expect(change.services.sort()).toEqual(['auth', 'gateway', 'qa', 'qa-worker', 'records']);
  });

  it('a burst of saves across services is one report; files that are not sources are ignored', async () => {
    writeFileSync(join(root, 'services/auth/src/main.ts'), 'export {};\n');
    writeFileSync(join(root, 'gateway/src/main.ts'), 'export {};\n');
    writeFileSync(join(root, 'services/records/src/notes.md'), 'not code\n');
    const change = await nextChange();
    expect(change.services.sort()).toEqual(['auth', 'gateway']);
    expect(change.files).toEqual(['gateway/src/main.ts', 'services/auth/src/main.ts']);
  });
});

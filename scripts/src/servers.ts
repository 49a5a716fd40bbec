import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, openSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { join, resolve } from 'node:path';

/** Where native servers keep their data, binaries and logs: inside the checkout, ignored by git. */
export const ROOT = resolve(__dirname, '..', '..');
export const DATA_DIR = join(ROOT, '.data');

export interface NativeServer {
  kind: 'redis' | 'rabbitmq' | 'mongodb';
  url: string;
  port: number;
  /** False when a server was already listening on the port and is only reused. */
  started: boolean;
  stop(): Promise<void>;
}

export function log(message: string) {
  process.stdout.write(`[infra] ${message}\n`);
}

/** Whether something accepts TCP connections on 127.0.0.1:port. */
export function isListening(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolvePromise) => {
    const socket = connect({ port, host });
    const done = (ok: boolean) => {
      socket.destroy();
      resolvePromise(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** A port nothing listens on right now (the OS picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolvePromise, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolvePromise(port));
    });
  });
}

export async function waitForPort(port: number, what: string, timeoutMs: number, child?: ChildProcess): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child && child.exitCode !== null) throw new Error(`${what} exited with code ${child.exitCode} before listening`);
    if (await isListening(port)) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${what} did not listen on port ${port} within ${timeoutMs} ms`);
}

function which(command: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(':').concat(['/usr/sbin', '/usr/bin', '/usr/local/go/bin'])) {
    const candidate = join(dir, command);
    if (dir && existsSync(candidate)) return candidate;
  }
  return undefined;
}

let aptUpdated = false;
/** Installs Debian packages when a command is missing; needs root, as on the project's CI machines. */
export function ensureDebianPackage(command: string, pkg: string): string {
  const found = which(command);
  if (found) return found;
  if (process.getuid?.() !== 0) {
    throw new Error(`${command} is not installed; install the '${pkg}' package or set the matching *_URL variable`);
  }
  log(`installing ${pkg} from the distribution's packages`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  if (!aptUpdated) {
    execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
    aptUpdated = true;
  }
  // policy-rc.d keeps the package from starting its own system-wide server on the default port.
  const policy = '/usr/sbin/policy-rc.d';
  const hadPolicy = existsSync(policy);
  if (!hadPolicy) writeFileSync(policy, '#!/bin/sh\nexit 101\n', { mode: 0o755 });
  try {
    execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', pkg], { stdio: 'inherit', env });
  } finally {
    if (!hadPolicy) execFileSync('rm', ['-f', policy]);
  }
  const installed = which(command);
  if (!installed) throw new Error(`${pkg} installed but ${command} not found`);
  return installed;
}

/**
 * The QA worker's OCR tools (it reads scanned pages with them): poppler's pdftoppm and tesseract
 * with its English data, from the distribution's packages like the servers.
 */
export function ensureOcrTools(): void {
  ensureDebianPackage('pdftoppm', 'poppler-utils');
  const tesseract = ensureDebianPackage('tesseract', 'tesseract-ocr');
  const languages = (() => {
    try {
      return execFileSync(tesseract, ['--list-langs'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    } catch {
      return '';
    }
  })();
  if (/^eng$/m.test(languages)) return;
  if (process.getuid?.() !== 0) throw new Error(`tesseract has no English data; install the 'tesseract-ocr-eng' package`);
  log('installing tesseract-ocr-eng from the distribution\'s packages');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  if (!aptUpdated) {
    execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
    aptUpdated = true;
  }
  execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', 'tesseract-ocr-eng'], { stdio: 'inherit', env });
}

function logFile(name: string): number {
  const dir = join(DATA_DIR, 'logs');
  mkdirSync(dir, { recursive: true });
  return openSync(join(dir, `${name}.log`), 'a');
}

function killTree(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM') {
  if (child.pid === undefined || child.exitCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    child.kill(signal);
  }
}

function exited(child: ChildProcess, timeoutMs: number): Promise<void> {
  return new Promise((resolvePromise) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolvePromise();
    const timer = setTimeout(() => {
      killTree(child, 'SIGKILL');
      resolvePromise();
    }, timeoutMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolvePromise();
    });
  });
}

function reused(kind: NativeServer['kind'], url: string, port: number): NativeServer {
  log(`${kind}: reusing the server already listening on port ${port}`);
  return { kind, url, port, started: false, stop: async () => undefined };
}

export interface RedisOptions {
  port: number;
  name?: string;
  /** Redis for queues must never evict; a cache instance may (allkeys-lru with a memory cap). */
  maxMemory?: string;
  policy?: 'noeviction' | 'allkeys-lru';
}

export async function startRedis({ port, name = `redis-${port}`, maxMemory, policy = 'noeviction' }: RedisOptions): Promise<NativeServer> {
  const url = `redis://127.0.0.1:${port}`;
  if (await isListening(port)) return reused('redis', url, port);
  const binary = ensureDebianPackage('redis-server', 'redis-server');
  const dir = join(DATA_DIR, name);
  mkdirSync(dir, { recursive: true });
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no', '--maxmemory-policy', policy];
  if (maxMemory) args.push('--maxmemory', maxMemory);
  const out = logFile(name);
  const child = spawn(binary, args, { detached: true, stdio: ['ignore', out, out] });
  await waitForPort(port, 'redis-server', 15_000, child);
  log(`redis: started on port ${port} (${policy})`);
  return {
    kind: 'redis',
    url,
    port,
    started: true,
    stop: async () => {
      killTree(child);
      await exited(child, 5000);
    },
  };
}

export async function startRabbitMq({ port, name = `rabbitmq-${port}` }: { port: number; name?: string }): Promise<NativeServer> {
  const url = `amqp://guest:guest@127.0.0.1:${port}`;
  if (await isListening(port)) return reused('rabbitmq', url, port);
  const binary = ensureDebianPackage('rabbitmq-server', 'rabbitmq-server');
  const ctl = ensureDebianPackage('rabbitmqctl', 'rabbitmq-server');
  const dir = join(DATA_DIR, name);
  mkdirSync(dir, { recursive: true });
  // The server drops to the rabbitmq user when started as root, so its folders must be that user's.
  if (process.getuid?.() === 0) chownTree(dir, 'rabbitmq');
  if (process.getuid?.() === 0 && !usableBy('rabbitmq', dir)) {
    // A checkout under a private folder (/root, say) is closed to the broker's own user.
    const fallback = join('/var/lib/rabbitmq', `project-${name}`);
    log(`rabbitmq: ${dir} is not reachable by the rabbitmq user; keeping its data in ${fallback}`);
    return startRabbitMqIn(port, name, fallback, binary, ctl);
  }
  return startRabbitMqIn(port, name, dir, binary, ctl);
}

function usableBy(user: string, dir: string): boolean {
  try {
    execFileSync('runuser', ['-u', user, '--', 'test', '-w', dir], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

async function startRabbitMqIn(port: number, name: string, dir: string, binary: string, ctl: string): Promise<NativeServer> {
  const url = `amqp://guest:guest@127.0.0.1:${port}`;
  const mnesia = join(dir, 'mnesia');
  const logs = join(dir, 'log');
  mkdirSync(mnesia, { recursive: true });
  mkdirSync(logs, { recursive: true });
  const node = `${name}@localhost`;
  const env = {
    ...process.env,
    RABBITMQ_NODENAME: node,
    RABBITMQ_NODE_IP_ADDRESS: '127.0.0.1',
    RABBITMQ_NODE_PORT: String(port),
    RABBITMQ_DIST_PORT: String(await freePort()),
    RABBITMQ_MNESIA_BASE: mnesia,
    RABBITMQ_LOG_BASE: logs,
    RABBITMQ_ENABLED_PLUGINS_FILE: join(dir, 'enabled_plugins'),
    RABBITMQ_CONFIG_FILE: join(dir, 'rabbitmq'),
  };
  writeFileSync(join(dir, 'enabled_plugins'), '[].\n');
  writeFileSync(join(dir, 'rabbitmq.conf'), 'listeners.tcp.default = ' + port + '\nlog.console = false\n');
  if (process.getuid?.() === 0) chownTree(dir, 'rabbitmq');
  const out = logFile(name);
  const child = spawn(binary, [], { detached: true, stdio: ['ignore', out, out], env });
  await waitForPort(port, 'rabbitmq-server', 90_000, child);
  log(`rabbitmq: started on port ${port}`);
  return {
    kind: 'rabbitmq',
    url,
    port,
    started: true,
    stop: async () => {
      await new Promise<void>((done) => {
        const stopper = spawn(ctl, ['-n', node, 'stop'], { stdio: 'ignore', env });
        const timer = setTimeout(() => {
          stopper.kill('SIGKILL');
          done();
        }, 20_000);
        stopper.once('exit', () => {
          clearTimeout(timer);
          done();
        });
      });
      await exited(child, 10_000);
      stopEpmdIfIdle();
    },
  };
}

/** epmd outlives the broker; stop it once no Erlang node is registered with it any more. */
function stopEpmdIfIdle() {
  try {
    const names = execFileSync('epmd', ['-names'], { encoding: 'utf8', timeout: 3000 });
    if (!/^name /m.test(names)) execFileSync('epmd', ['-kill'], { stdio: 'ignore', timeout: 3000 });
  } catch {
    // epmd not running or not on PATH: nothing to stop.
  }
}

function chownTree(path: string, user: string) {
  const uid = Number(execFileSync('id', ['-u', user], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('id', ['-g', user], { encoding: 'utf8' }).trim());
  const walk = (p: string) => {
    chownSync(p, uid, gid);
    if (statSync(p).isDirectory()) for (const entry of readdirSync(p)) walk(join(p, entry));
  };
  walk(path);
}

/** Builds the pinned FerretDB (see infra/ferretdb/go.mod) once; rebuilt only when its sources change. */
export function ensureFerretDbBinary(): string {
  const source = join(ROOT, 'infra', 'ferretdb');
  const binary = join(DATA_DIR, 'bin', 'ferretdb');
  const newest = Math.max(...['main.go', 'go.mod', 'go.sum'].map((f) => statSync(join(source, f)).mtimeMs));
  if (existsSync(binary) && statSync(binary).mtimeMs >= newest) return binary;
  const go = which('go');
  if (!go) throw new Error('Go is needed to build FerretDB (or set MONGO_URL to a MongoDB server)');
  log('building FerretDB v1.24.2 from the Go module proxy (first run only)');
  mkdirSync(join(DATA_DIR, 'bin'), { recursive: true });
  execFileSync(go, ['build', '-o', binary, '.'], { cwd: source, stdio: 'inherit', env: { ...process.env, CGO_ENABLED: '0' } });
  return binary;
}

export async function startFerretDb({ port, name = `ferretdb-${port}` }: { port: number; name?: string }): Promise<NativeServer> {
  const url = `mongodb://127.0.0.1:${port}/`;
  if (await isListening(port)) return reused('mongodb', url, port);
  const binary = ensureFerretDbBinary();
  const dir = join(DATA_DIR, name);
  mkdirSync(dir, { recursive: true });
  const out = logFile(name);
  const child = spawn(binary, ['-listen', `127.0.0.1:${port}`, '-data', dir], { detached: true, stdio: ['ignore', out, out] });
  await waitForPort(port, 'ferretdb', 30_000, child);
  log(`mongodb (FerretDB, SQLite): started on port ${port}`);
  return {
    kind: 'mongodb',
    url,
    port,
    started: true,
    stop: async () => {
      killTree(child);
      await exited(child, 5000);
    },
  };
}

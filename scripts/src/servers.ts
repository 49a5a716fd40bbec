import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import {
  chownSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
// The catalogue alone, not @app/common's index: the launcher does not load the services' dependencies.
import { publishPermission } from '@app/common/event-catalogue';

/** Where native servers keep their data, binaries and logs: inside the checkout, ignored by git. */
export const ROOT = resolve(__dirname, '..', '..');
export const DATA_DIR = join(ROOT, '.data');

export interface NativeServer {
  kind: 'redis' | 'rabbitmq' | 'mongodb';
  url: string;
  port: number;
  /** False when a server was already listening on the port and is only reused. */
  started: boolean;
  /** RabbitMQ started here: one URL per broker user (see BROKER_USERS). */
  brokerUrls?: Record<BrokerUser, string>;
  stop(): Promise<void>;
}

export type BrokerUser = 'auth' | 'records' | 'qa' | 'gateway' | 'harness';

interface BrokerGrant {
  /** Queues the user may declare, bind and consume: its own, named `<service>.…` (after an optional `<exchange>.` prefix). */
  queues?: string;
  /** Routing keys the user may publish on the event exchange, as a regular expression. */
  publishes: string;
}

/**
 * Who may do what on the broker. A consumer trusts an event because of who could publish it, so
 * each service publishes only its own events, as the event catalogue names them; the broker refuses
 * the rest. `harness` exists only on brokers that `npm test` starts: the tests publish and observe
 * any event, as a person would.
 */
export const BROKER_USERS: Record<BrokerUser, BrokerGrant> = {
  auth: { publishes: publishPermission('auth') },
  records: { queues: 'records', publishes: publishPermission('records') },
  qa: { queues: 'qa', publishes: publishPermission('qa') },
  gateway: { queues: 'gateway', publishes: publishPermission('gateway') },
  harness: { queues: '.*', publishes: '.*' },
};

/** The event exchange of `npm start` and compose; EVENTS_EXCHANGE must name it. */
export const EVENTS_EXCHANGE = 'app.events';
/**
 * The exchanges the test broker also lets services use: each end-to-end stack's own
 * `e2e-<8 hex>.events`. Topic permissions name exchanges exactly, so the routing-key checks
 * hold on `app.events` only; the per-namespace exchanges exist for test isolation.
 */
export const TEST_EXCHANGES = '(app|e2e-[0-9a-f]{8})\\.events';

/**
 * RabbitMQ definitions (users, permissions, topic permissions) for the given users and passwords,
 * as the broker imports them on boot: the native launcher and docker compose use the same ones.
 * A service may declare and use the event exchanges (named exactly, so it cannot declare one of
 * its own and bind it into them) and its own queues; it may publish only its own routing keys.
 */
export function brokerDefinitions(passwords: Partial<Record<BrokerUser, string>>, exchanges = 'app\\.events') {
  const users = Object.keys(passwords) as BrokerUser[];
  const exchangeNames = `${exchanges}(\\.dead)?`;
  const resources = (user: BrokerUser) => {
    const grant = BROKER_USERS[user];
    if (grant.queues === '.*') return '.*';
    if (!grant.queues) return `^${exchangeNames}$`;
    return `^(${exchangeNames}|(${exchanges}\\.)?${grant.queues}\\..*)$`;
  };
  return {
    vhosts: [{ name: '/' }],
    users: users.map((name) => ({
      name,
      password_hash: rabbitPasswordHash(passwords[name]!),
      hashing_algorithm: 'rabbit_password_hashing_sha256',
      tags: [],
    })),
    permissions: users.map((user) => ({ user, vhost: '/', configure: resources(user), write: resources(user), read: resources(user) })),
    // Topic permissions are per exchange name, not a pattern.
    topic_permissions: users.flatMap((user) =>
      [EVENTS_EXCHANGE, `${EVENTS_EXCHANGE}.dead`].map((exchange) => ({
        user,
        vhost: '/',
        exchange,
        write: BROKER_USERS[user].publishes,
        read: '.*',
      })),
    ),
  };
}

/** RabbitMQ's salted SHA-256 password hash: base64(salt ‖ sha256(salt ‖ password)), 4-byte salt. */
export function rabbitPasswordHash(password: string): string {
  const salt = randomBytes(4);
  const digest = createHash('sha256')
    .update(Buffer.concat([salt, Buffer.from(password, 'utf8')]))
    .digest();
  return Buffer.concat([salt, digest]).toString('base64');
}

/** The AMQP URL each process uses: AMQP_URL (the tests' harness user, when there is one) and one per service. */
export function brokerEnv(server: Pick<NativeServer, 'url' | 'brokerUrls'>): Record<string, string> {
  if (!server.brokerUrls) return { AMQP_URL: server.url };
  const urls = server.brokerUrls;
  return {
    AMQP_URL: server.url,
    AMQP_URL_AUTH: urls.auth,
    AMQP_URL_RECORDS: urls.records,
    AMQP_URL_QA: urls.qa,
    AMQP_URL_GATEWAY: urls.gateway,
  };
}

export function log(message: string) {
  process.stdout.write(`[infra] ${message}\n`);
}

/** Whether something accepts TCP connections on host:port (127.0.0.1 unless named) within `timeoutMs`. */
export function isListening(port: number, host = '127.0.0.1', timeoutMs = 500): Promise<boolean> {
  return new Promise((resolvePromise) => {
    const socket = connect({ port, host });
    const done = (ok: boolean) => {
      socket.destroy();
      resolvePromise(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** A port nothing listens on right now (the OS picks it). */
function osAssignedPort(): Promise<number> {
  return new Promise((resolvePromise, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolvePromise(port));
    });
  });
}

/** Whether a server can listen on 127.0.0.1:port right now. */
export function canListen(port: number): Promise<boolean> {
  return new Promise((resolvePromise) => {
    const server = createServer();
    server.once('error', () => resolvePromise(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolvePromise(true)));
  });
}

// Above the kernel's default ephemeral range (32768-60999), where no outgoing connection's port
// lands, each test worker draws from a band of its own: test files running side by side never pick
// the same port, and a port picked is not taken by a connection before its service binds it.
const TEST_PORTS_FROM = 61_000;
const TEST_BAND = 500;
const handedOut = new Set<number>();

/** A port free now for a local service: the OS's pick, or under jest a port of the worker's band. */
export async function freePort(): Promise<number> {
  const worker = Number(process.env.JEST_WORKER_ID);
  if (Number.isInteger(worker) && worker >= 1 && worker <= 9) {
    if (handedOut.size > TEST_BAND * 0.8) handedOut.clear();
    const first = TEST_PORTS_FROM + (worker - 1) * TEST_BAND;
    for (let attempt = 0; attempt < TEST_BAND; attempt++) {
      const port = first + Math.floor(Math.random() * TEST_BAND);
      if (handedOut.has(port) || !(await canListen(port))) continue;
      handedOut.add(port);
      return port;
    }
  }
  return osAssignedPort();
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
// Another install on the same machine holds dpkg's lock for a while: wait for it instead of failing.
const APT_WAIT = ['-o', 'DPkg::Lock::Timeout=600'];
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
    execFileSync('apt-get', [...APT_WAIT, 'update', '-qq'], { stdio: 'inherit', env });
    aptUpdated = true;
  }
  // policy-rc.d keeps the package from starting its own system-wide server on the default port.
  const policy = '/usr/sbin/policy-rc.d';
  const hadPolicy = existsSync(policy);
  if (!hadPolicy) writeFileSync(policy, '#!/bin/sh\nexit 101\n', { mode: 0o755 });
  try {
    execFileSync('apt-get', [...APT_WAIT, 'install', '-y', '-qq', '--no-install-recommends', pkg], { stdio: 'inherit', env });
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
  log("installing tesseract-ocr-eng from the distribution's packages");
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  if (!aptUpdated) {
    execFileSync('apt-get', [...APT_WAIT, 'update', '-qq'], { stdio: 'inherit', env });
    aptUpdated = true;
  }
  execFileSync('apt-get', [...APT_WAIT, 'install', '-y', '-qq', '--no-install-recommends', 'tesseract-ocr-eng'], { stdio: 'inherit', env });
}

export function logFile(name: string): number {
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

/** A server this process started as `child`: stopping it ends the child's whole process group. */
export function startedServer(kind: NativeServer['kind'], url: string, port: number, child: ChildProcess): NativeServer {
  return {
    kind,
    url,
    port,
    started: true,
    stop: async () => {
      killTree(child);
      await exited(child, 5000);
    },
  };
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
  return startedServer('redis', url, port, child);
}

export interface RabbitMqOptions {
  port: number;
  name?: string;
  /**
   * For `npm test`: also create the `harness` user, with every right (tests publish and observe any
   * event), and let services use the end-to-end stacks' own exchanges (TEST_EXCHANGES).
   */
  harness?: boolean;
}

/**
 * Starts RabbitMQ with one user per service (see BROKER_USERS) and no `guest`; their passwords are
 * made once and kept beside the broker's data. A broker already listening is reused as it is, with
 * the URL in AMQP_URL: its users are the operator's business (see docs/operations.md).
 */
export async function startRabbitMq({ port, name = `rabbitmq-${port}`, harness = false }: RabbitMqOptions): Promise<NativeServer> {
  const url = process.env.AMQP_URL ?? `amqp://guest:guest@127.0.0.1:${port}`;
  if (await isListening(port)) {
    // A broker this checkout started (`npm run infra` in another terminal, say): its users' passwords are kept here.
    const ours = process.env.AMQP_URL ? undefined : storedBrokerUrls(port, name, harness);
    if (!ours) return reused('rabbitmq', url, port);
    log(`rabbitmq: reusing the server already listening on port ${port}, with the users this checkout made for it`);
    return { kind: 'rabbitmq', url: ours.url, port, started: false, brokerUrls: ours.brokerUrls, stop: async () => undefined };
  }
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
    return startRabbitMqIn(port, name, fallback, binary, ctl, harness);
  }
  return startRabbitMqIn(port, name, dir, binary, ctl, harness);
}

function brokerUrlsFor(port: number, passwords: Partial<Record<BrokerUser, string>>, harness: boolean) {
  const urlOf = (user: BrokerUser) => `amqp://${user}:${encodeURIComponent(passwords[user] ?? '')}@127.0.0.1:${port}`;
  const brokerUrls = Object.fromEntries((Object.keys(BROKER_USERS) as BrokerUser[]).map((user) => [user, urlOf(user)])) as Record<BrokerUser, string>;
  // Without the harness user the least privileged one stands for the broker: it can publish nothing.
  return { brokerUrls, url: harness ? brokerUrls.harness : brokerUrls.gateway };
}

/** The URLs of a running broker's users when this checkout started it (their passwords are in its folder). */
function storedBrokerUrls(port: number, name: string, harness: boolean) {
  for (const dir of [join(DATA_DIR, name), join('/var/lib/rabbitmq', `project-${name}`)]) {
    const file = join(dir, 'credentials.json');
    if (!existsSync(file)) continue;
    const stored = JSON.parse(readFileSync(file, 'utf8')) as Partial<Record<BrokerUser, string>>;
    if (harness && !stored.harness) return undefined;
    return brokerUrlsFor(port, stored, harness);
  }
  return undefined;
}

/** Passwords for the broker's users, made once per broker folder and kept there (mode 600). */
function brokerPasswords(dir: string, harness: boolean): Partial<Record<BrokerUser, string>> {
  const file = join(dir, 'credentials.json');
  const stored = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Partial<Record<BrokerUser, string>>) : {};
  const users = (Object.keys(BROKER_USERS) as BrokerUser[]).filter((user) => harness || user !== 'harness');
  const passwords: Partial<Record<BrokerUser, string>> = {};
  for (const user of users) passwords[user] = stored[user] ?? randomBytes(24).toString('base64url');
  writeFileSync(file, JSON.stringify({ ...stored, ...passwords }, null, 2), { mode: 0o600 });
  return passwords;
}

function usableBy(user: string, dir: string): boolean {
  try {
    execFileSync('runuser', ['-u', user, '--', 'test', '-w', dir], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

async function startRabbitMqIn(port: number, name: string, dir: string, binary: string, ctl: string, harness: boolean): Promise<NativeServer> {
  const passwords = brokerPasswords(dir, harness);
  const { brokerUrls, url } = brokerUrlsFor(port, passwords, harness);
  const definitions = join(dir, 'definitions.json');
  writeFileSync(definitions, JSON.stringify(brokerDefinitions(passwords, harness ? TEST_EXCHANGES : undefined), null, 2), { mode: 0o600 });
  const mnesia = join(dir, 'mnesia');
  const reusedData = existsSync(mnesia);
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
    RABBITMQ_CONF_ENV_FILE: join(dir, 'rabbitmq-env.conf'),
  };
  writeFileSync(join(dir, 'enabled_plugins'), '[].\n');
  // The server drops to the rabbitmq user through su, which resets the soft limit on open files to
  // 1024: the broker then takes no more than ~830 sockets and new connections hang. Raise it to the hard limit.
  writeFileSync(join(dir, 'rabbitmq-env.conf'), 'ulimit -S -n "$(ulimit -H -n)"\n');
  // Definitions imported on boot (users, permissions): a node that imports them creates no `guest`.
  writeFileSync(
    join(dir, 'rabbitmq.conf'),
    [`listeners.tcp.default = ${port}`, 'log.console = false', `load_definitions = ${definitions}`, ''].join('\n'),
  );
  if (process.getuid?.() === 0) chownTree(dir, 'rabbitmq');
  const out = logFile(name);
  const child = spawn(binary, [], { detached: true, stdio: ['ignore', out, out], env });
  await waitForPort(port, 'rabbitmq-server', 90_000, child);
  // A node whose data predates these definitions may still hold the default `guest`, and one that
  // `npm test` ran on holds the harness user, which `npm start` must not leave behind.
  if (reusedData) {
    await runQuietly(ctl, ['-n', node, 'delete_user', 'guest'], env);
    if (!harness) await runQuietly(ctl, ['-n', node, 'delete_user', 'harness'], env);
  }
  log(`rabbitmq: started on port ${port} (one user per service, no guest)`);
  return {
    kind: 'rabbitmq',
    url,
    port,
    started: true,
    brokerUrls,
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

function runQuietly(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<void> {
  return new Promise<void>((done) => {
    const child = spawn(command, args, { stdio: 'ignore', env });
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.once('exit', () => {
      clearTimeout(timer);
      done();
    });
    child.once('error', () => done());
  });
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

const FERRETDB_SOURCE = join(ROOT, 'infra', 'ferretdb');

function ferretDbPatches(): string[] {
  const patchDir = join(FERRETDB_SOURCE, 'patches');
  return readdirSync(patchDir)
    .filter((name) => name.endsWith('.patch'))
    .sort()
    .map((name) => join(patchDir, name));
}

/**
 * Runs `use` with a patched copy of the pinned FerretDB module (see infra/ferretdb/go.mod): the module
 * from the Go module cache, copied into a temporary folder, with infra/ferretdb/patches/*.patch applied
 * in name order. The copy is removed afterwards.
 */
function withPatchedFerretDb<T>(use: (copy: { go: string; env: NodeJS.ProcessEnv; work: string; patched: string; version: string }) => T): T {
  const go = which('go');
  if (!go) throw new Error('Go is needed to build FerretDB (or set MONGO_URL to a MongoDB server)');
  const env = { ...process.env, CGO_ENABLED: '0' };
  // The module cache is read-only: the patches go to a copy, which a go.mod beside the build replaces the module with.
  const { Dir: moduleDir, Version: version } = JSON.parse(
    execFileSync(go, ['mod', 'download', '-json', 'github.com/FerretDB/FerretDB'], { cwd: FERRETDB_SOURCE, encoding: 'utf8', env }),
  ) as { Dir: string; Version: string };
  // Outside the checkout: inside a git work tree, git apply would take the patch's paths from its top.
  const work = mkdtempSync(join(tmpdir(), 'ferretdb-build-'));
  try {
    const patched = join(work, `FerretDB@${version}`);
    cpSync(moduleDir, patched, { recursive: true });
    execFileSync('chmod', ['-R', 'u+w', patched]);
    for (const patch of ferretDbPatches()) execFileSync('git', ['apply', '--verbose', patch], { cwd: patched, stdio: 'inherit' });
    return use({ go, env, work, patched, version });
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/**
 * Builds the pinned FerretDB with the project's patches (see withPatchedFerretDb); rebuilt only when
 * these change.
 */
export function ensureFerretDbBinary(): string {
  const source = FERRETDB_SOURCE;
  const patches = ferretDbPatches();
  const binary = join(DATA_DIR, 'bin', 'ferretdb');
  const newest = Math.max(...[...['main.go', 'go.mod', 'go.sum'].map((f) => join(source, f)), ...patches].map((f) => statSync(f).mtimeMs));
  if (existsSync(binary) && statSync(binary).mtimeMs >= newest) return binary;
  log('building FerretDB v1.24.2 from the Go module proxy, with the patches in infra/ferretdb/patches (first run only)');
  withPatchedFerretDb(({ go, env, work, patched }) => {
    const goMod = `${readFileSync(join(source, 'go.mod'), 'utf8')}\nreplace github.com/FerretDB/FerretDB => ${patched}\n`;
    writeFileSync(join(work, 'go.mod'), goMod);
    cpSync(join(source, 'go.sum'), join(work, 'go.sum'));
    mkdirSync(join(DATA_DIR, 'bin'), { recursive: true });
    execFileSync(go, ['build', `-modfile=${join(work, 'go.mod')}`, '-o', binary, '.'], { cwd: source, stdio: 'inherit', env });
  });
  return binary;
}

/**
 * `npm run ferretdb:test`: FerretDB's own Go tests of the packages the patches change (the SQLite
 * backend and the handler), with the patches' tests, run on the patched module. Throws if any fails.
 * (The backends package's own tests and the other backends' need PostgreSQL and MySQL servers.)
 */
export function testPatchedFerretDb(packages = ['./internal/backends/sqlite/...', './internal/handler/...']): void {
  withPatchedFerretDb(({ go, env, patched, version }) => {
    // FerretDB's release pipeline writes this file; its version package refuses to start without it.
    writeFileSync(join(patched, 'build', 'version', 'version.txt'), `${version}\n`);
    // Its test helpers find the module's top by its .git folder.
    execFileSync('git', ['init', '-q'], { cwd: patched });
    log(`go test ${packages.join(' ')} on FerretDB ${version} with ${ferretDbPatches().length} patches`);
    execFileSync(go, ['test', '-count=1', ...packages], { cwd: patched, stdio: 'inherit', env });
  });
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
  return startedServer('mongodb', url, port, child);
}

const JAEGER_SOURCE = join(ROOT, 'infra', 'jaeger');

/**
 * Builds Jaeger's all-in-one binary (v1.75.0, pinned by infra/jaeger/go.mod) from the Go module proxy
 * into `.data/bin`; rebuilt only when go.mod or go.sum change. Its own go.mod has `replace` lines,
 * so `go install` cannot build it: a module of ours requires it as a tool instead.
 */
export function ensureJaegerBinary(): string {
  const binary = join(DATA_DIR, 'bin', 'jaeger');
  const newest = Math.max(...['go.mod', 'go.sum'].map((f) => statSync(join(JAEGER_SOURCE, f)).mtimeMs));
  if (existsSync(binary) && statSync(binary).mtimeMs >= newest) return binary;
  const go = which('go');
  if (!go) throw new Error('Go is needed to build Jaeger (or set OTEL_EXPORTER_OTLP_ENDPOINT to a trace collector of your own)');
  log('building Jaeger v1.75.0 from the Go module proxy (first run only; several minutes)');
  mkdirSync(join(DATA_DIR, 'bin'), { recursive: true });
  // Built under another name and then moved: a build cut short never leaves a binary that looks current.
  const partial = `${binary}.partial`;
  execFileSync(go, ['build', '-o', partial, 'github.com/jaegertracing/jaeger/cmd/jaeger'], {
    cwd: JAEGER_SOURCE,
    stdio: 'inherit',
    env: { ...process.env, CGO_ENABLED: '0' },
  });
  renameSync(partial, binary);
  return binary;
}

export interface JaegerPorts {
  /** The UI and its HTTP API (`/api/traces`). */
  ui: number;
  /** OTLP over HTTP, where the processes send spans. */
  otlpHttp: number;
  /** The query service's gRPC API. */
  queryGrpc: number;
  /** Jaeger's own health check (`/status`). */
  health: number;
}

export const DEFAULT_JAEGER_PORTS: JaegerPorts = { ui: 16686, otlpHttp: 4318, queryGrpc: 16685, health: 13133 };

export interface JaegerServer {
  /** OTEL_EXPORTER_OTLP_ENDPOINT for the processes. */
  otlpUrl: string;
  /** The UI; its API is under `/api`. */
  uiUrl: string;
  started: boolean;
  stop(): Promise<void>;
}

/**
 * Jaeger's configuration: OTLP in, traces kept in memory, the query API and UI out, and every
 * listener on 127.0.0.1 (its defaults put the query ports on every address). Its own metrics are off.
 */
export function jaegerConfig(ports: JaegerPorts, maxTraces = 100_000): string {
  return `service:
  extensions: [jaeger_storage, jaeger_query, healthcheckv2]
  pipelines:
    traces:
      receivers: [otlp]
      processors: [batch]
      exporters: [jaeger_storage_exporter]
  telemetry:
    resource:
      service.name: jaeger
    metrics:
      level: none
    logs:
      level: warn
extensions:
  jaeger_query:
    storage:
      traces: memstore
    http:
      endpoint: 127.0.0.1:${ports.ui}
    grpc:
      endpoint: 127.0.0.1:${ports.queryGrpc}
  jaeger_storage:
    backends:
      memstore:
        memory:
          max_traces: ${maxTraces}
  healthcheckv2:
    use_v2: true
    http:
      endpoint: 127.0.0.1:${ports.health}
receivers:
  otlp:
    protocols:
      http:
        endpoint: 127.0.0.1:${ports.otlpHttp}
processors:
  batch:
exporters:
  jaeger_storage_exporter:
    trace_storage: memstore
`;
}

/** Starts Jaeger (built on first use) on `ports`, or reuses one whose UI port already answers. */
export async function startJaeger({
  ports = DEFAULT_JAEGER_PORTS,
  name = `jaeger-${ports.ui}`,
}: { ports?: JaegerPorts; name?: string } = {}): Promise<JaegerServer> {
  const otlpUrl = `http://127.0.0.1:${ports.otlpHttp}`;
  const uiUrl = `http://127.0.0.1:${ports.ui}`;
  if (await isListening(ports.ui)) {
    log(`jaeger: reusing the one already listening on port ${ports.ui}`);
    return { otlpUrl, uiUrl, started: false, stop: async () => undefined };
  }
  const binary = ensureJaegerBinary();
  const dir = join(DATA_DIR, name);
  mkdirSync(dir, { recursive: true });
  const config = join(dir, 'config.yaml');
  writeFileSync(config, jaegerConfig(ports));
  const out = logFile(name);
  const child = spawn(binary, ['--config', config], { detached: true, stdio: ['ignore', out, out] });
  await waitForPort(ports.ui, 'jaeger', 60_000, child);
  await waitForPort(ports.otlpHttp, 'jaeger', 30_000, child);
  log(`jaeger: started, UI on port ${ports.ui}, OTLP/HTTP on port ${ports.otlpHttp}`);
  return {
    otlpUrl,
    uiUrl,
    started: true,
    stop: async () => {
      killTree(child);
      await exited(child, 5000);
    },
  };
}

import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { trustedPublishersSetting } from '@app/common/event-catalogue';
import { DATA_DIR, ROOT, freePort } from '@app/infra';

export { freePort };

export type ServiceName = 'auth' | 'records' | 'qa' | 'qa-worker' | 'gateway';

const ENTRY: Record<ServiceName, string> = {
  auth: 'services/auth/dist/main.js',
  records: 'services/records/dist/main.js',
  qa: 'services/qa/dist/main.js',
  'qa-worker': 'services/qa/dist/worker.js',
  gateway: 'gateway/dist/main.js',
};

export const DEFAULT_SERVICE_PORTS: Record<ServiceName, number> = { gateway: 8000, auth: 8001, records: 8002, qa: 8003, 'qa-worker': 8004 };

/** The gateway on `gatewayPort` and the services on the four ports after it, as the defaults are laid out. */
export function stackPorts(gatewayPort: number): Record<ServiceName, number> {
  const offset = gatewayPort - DEFAULT_SERVICE_PORTS.gateway;
  return Object.fromEntries(Object.entries(DEFAULT_SERVICE_PORTS).map(([name, port]) => [name, port + offset])) as Record<ServiceName, number>;
}

export interface ProcessExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** One service running as its own process, which a test may stop, kill and start again. */
export class ManagedProcess {
  private child?: ChildProcess;
  // Set by stop() and kill(), so that an exit asked for is not taken for a crash.
  private exitRequested = false;
  private readonly crashListeners = new Set<(exit: ProcessExit) => void>();

  constructor(
    readonly name: ServiceName,
    readonly port: number,
    private readonly env: NodeJS.ProcessEnv,
    private readonly logPath: string,
    /** Takes the child's piped stdout and stderr (and the open log file) instead of writing them to the log file directly. */
    private readonly output?: (child: ChildProcess, logFd: number) => void,
  ) {}

  get url() {
    return `http://127.0.0.1:${this.port}`;
  }

  get pid() {
    return this.child?.pid;
  }

  get running() {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  get log() {
    return this.logPath;
  }

  /** Called whenever the process exits without stop() or kill() having asked it to. */
  onCrash(listener: (exit: ProcessExit) => void): () => void {
    this.crashListeners.add(listener);
    return () => this.crashListeners.delete(listener);
  }

  start(extraEnv: NodeJS.ProcessEnv = {}) {
    if (this.running) return;
    this.exitRequested = false;
    const out = openSync(this.logPath, 'a');
    const child = spawn(process.execPath, [join(ROOT, ENTRY[this.name])], {
      cwd: ROOT,
      env: { ...this.env, ...extraEnv },
      stdio: ['ignore', this.output ? 'pipe' : out, this.output ? 'pipe' : out],
    });
    if (this.output) this.output(child, out);
    else closeSync(out);
    child.once('exit', (code, signal) => {
      if (this.exitRequested || this.child !== child) return;
      for (const listener of this.crashListeners) listener({ code, signal });
    });
    this.child = child;
  }

  /** SIGTERM and wait, as an orchestrator would; SIGKILL after `graceMs`. */
  async stop(graceMs = 15_000): Promise<void> {
    this.exitRequested = true;
    const child = this.child;
    if (!child || !this.running) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  }

  async kill(): Promise<void> {
    this.exitRequested = true;
    const child = this.child;
    if (!child || !this.running) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGKILL');
    await exited;
  }

  /**
   * Waits until `path` answers 200. An exit fails at once, unless `whileRestarted` is set: then
   * a supervisor is restarting the process, and only the time limit or `stopWaiting` ends the wait.
   */
  async waitReady(timeoutMs = 60_000, path = '/ready', options: { whileRestarted?: boolean; stopWaiting?: () => boolean } = {}): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let last = '';
    while (Date.now() < deadline) {
      if (options.stopWaiting?.()) return;
      if (this.child && !this.running && !options.whileRestarted) {
        throw new Error(`${this.name} exited (code ${this.child.exitCode}); see ${this.logPath}\n${lastLines(this.logPath)}`);
      }
      try {
        const response = await fetch(this.url + path, { signal: AbortSignal.timeout(2000) });
        const body = await response.text();
        // Another process on this port (ours failed to bind it) must not pass for this service.
        let service: unknown;
        try {
          service = (JSON.parse(body) as { service?: unknown } | null)?.service;
        } catch {
          service = undefined;
        }
        if (response.ok && (service === undefined || service === this.name)) return;
        last = `${response.status} ${body}`;
      } catch (err) {
        last = String(err);
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    throw new Error(`${this.name} not ready within ${timeoutMs} ms: ${last}\n${lastLines(this.logPath)}`);
  }
}

/** The end of a log file, for saying why a process did not come up. */
/** What a launcher prints once the stack answers: where it is, then the launcher's own lines. */
export function stackBanner(gatewayUrl: string, logs: string, lines: string[]): string {
  return [
    '',
    `  Gateway:     ${gatewayUrl}`,
    `  Swagger UI:  ${gatewayUrl}/docs`,
    `  Logs:        ${logs}`,
    ...lines,
    '  Ctrl-C stops everything started here.',
    '',
  ].join('\n');
}

export function lastLines(path: string, lines = 15): string {
  try {
    return readFileSync(path, 'utf8').trim().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

/** One service as its own process on a free port, started and ready; stopped again if it never gets ready. */
export async function spawnService(name: ServiceName, env: NodeJS.ProcessEnv, logPath: string): Promise<ManagedProcess> {
  const service = new ManagedProcess(name, await freePort(), env, logPath);
  service.start({ PORT: String(service.port) });
  try {
    await service.waitReady();
  } catch (err) {
    await service.stop();
    throw err;
  }
  return service;
}

/** Development secrets made once and kept in the ignored data folder, so restarts keep sessions valid. */
export function developmentSecrets(): { IDENTITY_SECRET: string } {
  const file = join(DATA_DIR, 'dev-secrets.json');
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as { IDENTITY_SECRET: string };
  mkdirSync(DATA_DIR, { recursive: true });
  const secrets = { IDENTITY_SECRET: randomBytes(32).toString('base64url') };
  writeFileSync(file, JSON.stringify(secrets, null, 2), { mode: 0o600 });
  return secrets;
}

export interface StackOptions {
  infraEnv: Record<string, string>;
  ports?: Partial<Record<ServiceName, number>>;
  /** Extra variables for every service (tests shorten timeouts, pick databases and queues). */
  env?: NodeJS.ProcessEnv;
  logDir?: string;
  nodeEnv?: 'development' | 'test' | 'production';
  /**
   * Keeps this stack's data and messages apart from any other on the same servers:
   * its own databases, event exchange, job queue and auth limit counters, all named after it.
   */
  namespace?: string;
  /** Where each service's output goes besides its log file (dev mode pretty-prints it); default: the file only. */
  output?: (name: ServiceName) => ((child: ChildProcess, logFd: number) => void) | undefined;
  /** Where the gateway listens (default 0.0.0.0); every other service listens on 127.0.0.1 only. */
  gatewayHost?: string;
}

export interface Stack {
  gatewayUrl: string;
  services: Record<ServiceName, ManagedProcess>;
  stop(): Promise<void>;
}

/** Every service as a process not yet started, and how to stop them all (the gateway first). */
export function createStack(options: StackOptions): Stack {
  const ports = { ...DEFAULT_SERVICE_PORTS, ...options.ports };
  const url = (name: ServiceName) => `http://127.0.0.1:${ports[name]}`;
  const logDir = options.logDir ?? join(DATA_DIR, 'logs');
  mkdirSync(logDir, { recursive: true });
  const shared: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_ENV: options.nodeEnv ?? 'development',
    ...developmentSecrets(),
    JWT_KEYS_DIR: join(DATA_DIR, 'auth-keys'),
    // The tokens' issuer is the gateway's URL, so the OAuth metadata it serves names the URL it is read from.
    JWT_ISSUER: process.env.JWT_ISSUER ?? url('gateway'),
    AUTH_URL: url('auth'),
    RECORDS_URL: url('records'),
    QA_URL: url('qa'),
    ...options.infraEnv,
    ...options.env,
  };
  const ns = options.namespace;
  // The login throttle and the rate limits count per address in Redis: a namespace keeps its own
  // counters, so one stack's failed logins (a fuzzer's) never lock out another's from the same address.
  if (ns) {
    Object.assign(shared, {
      EVENTS_EXCHANGE: `${ns}.events`,
      QA_QUEUE_NAME: `${ns}-qa`,
      LOGIN_LIMIT_KEY_PREFIX: `${ns}:login-fail`,
      RATE_LIMIT_KEY_PREFIX: `${ns}:rate`,
      ...options.env,
    });
  }
  const db = (name: string) => (ns ? { MONGO_DB: `${ns}-${name}` } : {});
  // Each service on its own broker account when the infrastructure made them (it publishes only its own events).
  const amqp = (key: string) => ({ AMQP_URL: options.infraEnv[key] ?? shared.AMQP_URL });
  const brokerUser = (key: string) => {
    const url = options.infraEnv[key];
    return url ? decodeURIComponent(new URL(url).username) : undefined;
  };
  const [authUser, recordsUser, qaUser] = ['AMQP_URL_AUTH', 'AMQP_URL_RECORDS', 'AMQP_URL_QA'].map(brokerUser);
  // Then consumers also drop events whose broker-vouched publisher is not their owner (even dead-lettered ones).
  if (authUser && recordsUser && qaUser) {
    const accounts: Record<string, string> = { auth: authUser, records: recordsUser, qa: qaUser };
    shared.EVENTS_TRUSTED_PUBLISHERS = trustedPublishersSetting((service) => accounts[service] ?? service);
  }
  // Only the gateway faces the network: the services and the worker's health port stay on loopback.
  const local = { HOST: '127.0.0.1' };
  const make = (name: ServiceName, env: NodeJS.ProcessEnv) =>
    new ManagedProcess(name, ports[name], { ...shared, ...env }, join(logDir, `${ns ? `${ns}-` : ''}${name}.log`), options.output?.(name));
  const services: Record<ServiceName, ManagedProcess> = {
    auth: make('auth', { PORT: String(ports.auth), ...local, ...amqp('AMQP_URL_AUTH'), ...db('auth') }),
    records: make('records', { PORT: String(ports.records), ...local, ...amqp('AMQP_URL_RECORDS'), ...db('records') }),
    qa: make('qa', { PORT: String(ports.qa), ...local, ...amqp('AMQP_URL_QA'), ...db('qa') }),
    // The worker takes no requests from the gateway, so it does not get the identity secret.
    'qa-worker': make('qa-worker', {
      QA_WORKER_PORT: String(ports['qa-worker']),
      IDENTITY_SECRET: undefined,
      ...local,
      ...amqp('AMQP_URL_QA'),
      ...db('qa'),
    }),
    gateway: make('gateway', { PORT: String(ports.gateway), HOST: options.gatewayHost ?? '0.0.0.0', ...amqp('AMQP_URL_GATEWAY') }),
  };
  const all = Object.values(services);
  const stop = async () => {
    // The gateway first, so nothing new comes in while the services drain.
    await services.gateway.stop();
    await Promise.all(all.filter((s) => s.name !== 'gateway').map((s) => s.stop()));
  };
  return { gatewayUrl: url('gateway'), services, stop };
}

/** Starts every service as its own process, behind the gateway, and waits until all are ready. */
export async function startStack(options: StackOptions): Promise<Stack> {
  const stack = createStack(options);
  const all = Object.values(stack.services);
  try {
    for (const service of all) service.start();
    await Promise.all(all.map((service) => service.waitReady()));
  } catch (err) {
    await stack.stop();
    throw err;
  }
  return stack;
}

import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DATA_DIR, ROOT, freePort } from './servers';

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

/** One service running as its own process, which a test may stop, kill and start again. */
export class ManagedProcess {
  private child?: ChildProcess;

  constructor(
    readonly name: ServiceName,
    readonly port: number,
    private readonly env: NodeJS.ProcessEnv,
    private readonly logPath: string,
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

  start(extraEnv: NodeJS.ProcessEnv = {}) {
    if (this.running) return;
    const out = openSync(this.logPath, 'a');
    this.child = spawn(process.execPath, [join(ROOT, ENTRY[this.name])], {
      cwd: ROOT,
      env: { ...this.env, ...extraEnv },
      stdio: ['ignore', out, out],
    });
  }

  /** SIGTERM and wait, as an orchestrator would; SIGKILL after `graceMs`. */
  async stop(graceMs = 15_000): Promise<void> {
    const child = this.child;
    if (!child || !this.running) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  }

  async kill(): Promise<void> {
    const child = this.child;
    if (!child || !this.running) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGKILL');
    await exited;
  }

  /** Waits until `/ready` answers 200 (or `/health` when `readyOnly` is false). */
  async waitReady(timeoutMs = 60_000, path = '/ready'): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let last = '';
    while (Date.now() < deadline) {
      if (this.child && !this.running) {
        throw new Error(`${this.name} exited (code ${this.child.exitCode}); see ${this.logPath}\n${tail(this.logPath)}`);
      }
      try {
        const response = await fetch(this.url + path, { signal: AbortSignal.timeout(2000) });
        if (response.ok) return;
        last = `${response.status} ${await response.text()}`;
      } catch (err) {
        last = String(err);
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    throw new Error(`${this.name} not ready within ${timeoutMs} ms: ${last}\n${tail(this.logPath)}`);
  }
}

function tail(path: string, lines = 15): string {
  try {
    return readFileSync(path, 'utf8').trim().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
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
   * its own databases, event exchange and job queue, all named after it.
   */
  namespace?: string;
}

export interface Stack {
  gatewayUrl: string;
  services: Record<ServiceName, ManagedProcess>;
  stop(): Promise<void>;
}

/** Starts every service as its own process, behind the gateway, and waits until all are ready. */
export async function startStack(options: StackOptions): Promise<Stack> {
  const ports = { ...DEFAULT_SERVICE_PORTS, ...options.ports };
  const url = (name: ServiceName) => `http://127.0.0.1:${ports[name]}`;
  const logDir = options.logDir ?? join(DATA_DIR, 'logs');
  mkdirSync(logDir, { recursive: true });
  const shared: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_ENV: options.nodeEnv ?? 'development',
    ...developmentSecrets(),
    JWT_KEYS_DIR: join(DATA_DIR, 'auth-keys'),
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
  const make = (name: ServiceName, env: NodeJS.ProcessEnv) =>
    new ManagedProcess(name, ports[name], { ...shared, ...env }, join(logDir, `${ns ? `${ns}-` : ''}${name}.log`));
  const services: Record<ServiceName, ManagedProcess> = {
    auth: make('auth', { PORT: String(ports.auth), ...db('auth') }),
    records: make('records', { PORT: String(ports.records), ...db('records') }),
    qa: make('qa', { PORT: String(ports.qa), ...db('qa') }),
    'qa-worker': make('qa-worker', { QA_WORKER_PORT: String(ports['qa-worker']), ...db('qa') }),
    gateway: make('gateway', { PORT: String(ports.gateway) }),
  };
  const all = Object.values(services);
  const stop = async () => {
    // The gateway first, so nothing new comes in while the services drain.
    await services.gateway.stop();
    await Promise.all(all.filter((s) => s.name !== 'gateway').map((s) => s.stop()));
  };
  try {
    for (const service of all) service.start();
    await Promise.all(all.map((service) => service.waitReady()));
  } catch (err) {
    await stop();
    throw err;
  }
  return { gatewayUrl: url('gateway'), services, stop };
}

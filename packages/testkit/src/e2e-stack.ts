import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { DATA_DIR, canListen, isListening } from '@app/infra';
import { developmentSecrets, freePort, spawnService, startStack, type ManagedProcess, type ServiceName, type Stack } from '@app/launcher/stack';
import { checkAnswersFrom } from './contract';
import { AMQP_URL, MONGO_URL, REDIS_URL } from './servers';

export { login, registerAndLogin, type Account } from '@app/launcher/accounts';

export const infraEnv = () => ({
  MONGO_URL,
  REDIS_URL,
  REDIS_CACHE_URL: process.env.REDIS_CACHE_URL ?? REDIS_URL,
  AMQP_URL,
  // Set by `npm test` when it started the broker itself: each service on its own account.
  ...Object.fromEntries(
    ['AMQP_URL_AUTH', 'AMQP_URL_RECORDS', 'AMQP_URL_QA', 'AMQP_URL_GATEWAY'].filter((k) => process.env[k]).map((k) => [k, process.env[k]!]),
  ),
});

/**
 * The environment for running a launcher (`npm start`, `npm run dev`) as a child of the tests: the
 * tests' servers, with the tests' all-rights broker account. The per-service accounts npm test's
 * broker has may use only the `app.events` exchange, not the namespaced one a test stack gets.
 */
export function launcherEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  // No Jaeger on its fixed ports beside other test files: the tracing tests start their own.
  const env: NodeJS.ProcessEnv = { ...process.env, ...infraEnv(), JAEGER: 'off', ...extra };
  for (const name of ['AMQP_URL_AUTH', 'AMQP_URL_RECORDS', 'AMQP_URL_QA', 'AMQP_URL_GATEWAY']) delete env[name];
  return env;
}

const E2E_LOGS = join(DATA_DIR, 'logs', 'e2e');

export interface E2EStack extends Stack {
  namespace: string;
}

/**
 * Every service as its own process on free ports, with its own databases, exchange and
 * queue, so test files can run side by side on the same servers.
 */
export async function startE2EStack(
  options: { infra?: Record<string, string>; env?: NodeJS.ProcessEnv; gatewayPort?: number } = {},
): Promise<E2EStack> {
  const namespace = `e2e-${randomUUID().slice(0, 8)}`;
  const names: ServiceName[] = ['auth', 'records', 'qa', 'qa-worker'];
  const ports: Partial<Record<ServiceName, number>> = { gateway: options.gatewayPort ?? (await freePort()) };
  for (const name of names) ports[name] = await freePort();
  const stack = await startStack({
    infraEnv: { ...infraEnv(), ...options.infra },
    ports,
    namespace,
    nodeEnv: 'development',
    logDir: E2E_LOGS,
    // A shared test machine can answer Redis slower than production's 150 ms; past it the gateway serves BYPASS.
    env: { LOG_LEVEL: 'info', CACHE_REDIS_TIMEOUT_MS: '1000', ...options.env },
  });
  checkAnswersFrom(stack.gatewayUrl);
  return { ...stack, namespace };
}

/**
 * The stack of a test file: started before its tests and stopped after them (jest hooks). What it
 * returns stands for the stack from beforeAll on.
 */
export function useE2EStack(options: Parameters<typeof startE2EStack>[0] = {}, startTimeoutMs = 120_000): E2EStack {
  let stack: E2EStack | undefined;
  beforeAll(async () => {
    stack = await startE2EStack(options);
  }, startTimeoutMs);
  afterAll(async () => {
    await stack?.stop();
  }, 60_000);
  const started = () => {
    if (!stack) throw new Error('the stack is started in beforeAll');
    return stack;
  };
  return {
    get namespace() {
      return started().namespace;
    },
    get gatewayUrl() {
      return started().gatewayUrl;
    },
    get services() {
      return started().services;
    },
    stop: () => started().stop(),
  };
}

/** One more service process beside a test's stack or servers (a second gateway, a service on a private broker). */
export async function startE2EProcess(name: ServiceName, env: NodeJS.ProcessEnv, logName: string): Promise<ManagedProcess> {
  mkdirSync(E2E_LOGS, { recursive: true });
  return spawnService(name, { ...process.env, NODE_ENV: 'development', LOG_LEVEL: 'info', ...env }, join(E2E_LOGS, logName));
}

/**
 * One more gateway in front of a test stack's services, on the same servers, exchange and issuer, as
 * replicas behind one public URL are (what scaling out looks like); `env` adds or overrides settings.
 */
export function startExtraGateway(stack: E2EStack, env: NodeJS.ProcessEnv, logName: string): Promise<ManagedProcess> {
  return startE2EProcess(
    'gateway',
    {
      ...developmentSecrets(),
      ...infraEnv(),
      AUTH_URL: stack.services.auth.url,
      RECORDS_URL: stack.services.records.url,
      QA_URL: stack.services.qa.url,
      EVENTS_EXCHANGE: `${stack.namespace}.events`,
      JWT_ISSUER: stack.gatewayUrl,
      PORT: '',
      ...env,
    },
    logName,
  );
}

/**
 * A gateway port whose four successors are free too, as `npm start` and `npm run dev` lay the
 * services out (STACK_PORT). Taken below the kernel's ephemeral range (32768 and up here), where
 * the ports other tests' servers and connections get from the OS never land.
 */
export async function freePortRun(): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const base = 20_000 + Math.floor(Math.random() * 12_000);
    const free = await Promise.all([0, 1, 2, 3, 4].map((i) => canListen(base + i)));
    if (!free.includes(false)) return base;
  }
  throw new Error('no run of five free ports');
}

/** The seed's port when it is free (CI), else any free one; seed commands are rewritten to it. */
export async function seedGatewayPort(): Promise<number> {
  return (await isListening(8000)) ? freePort() : 8000;
}

const run = promisify(execFile);

/** Runs a shell command as a person would type it; returns what curl printed. */
export async function shell(command: string, env: NodeJS.ProcessEnv = {}, cwd?: string) {
  const { stdout, stderr } = await run('bash', ['-c', command], { env: { ...process.env, ...env }, cwd, timeout: 60_000 });
  return { stdout, stderr };
}

import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BROKER_USERS, TEST_EXCHANGES, brokerDefinitions, type BrokerUser } from './broker-users';
import { ensureDebianPackage } from './debian';
import { DATA_DIR, log, logFile } from './paths';
import { freePort, isListening, waitForPort } from './ports';
import { exited, reused, type NativeServer } from './processes';

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

import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BROKER_USERS } from './broker-users';
import { ensureDebianPackage } from './debian';
import { DATA_DIR } from './paths';
import type { NativeServer } from './processes';
import { startRabbitMq } from './rabbitmq';

export interface ClusterNode {
  /** The Erlang node name, `<name>@localhost`. */
  node: string;
  port: number;
  /** The harness account's URL on this node (every node knows every account: users are cluster-wide). */
  url: string;
  /** Stops this node only; the others keep running. Idempotent. */
  stop(): Promise<void>;
}

export interface RabbitMqCluster {
  nodes: ClusterNode[];
  /** The node holding a quorum queue's leader, asked of the first running node. */
  queueLeader(queue: string): Promise<string | undefined>;
  /** Stops every node still running and removes their data. */
  stop(): Promise<void>;
}

/** Where startRabbitMq keeps a broker's data: the checkout's .data, or the broker user's home when the checkout is closed to it. */
const brokerDirs = (name: string) => [join(DATA_DIR, name), join('/var/lib/rabbitmq', `project-${name}`)];

/** Runs rabbitmqctl against `node`; resolves to what it printed. */
function ctl(node: string, args: string[]): Promise<string> {
  const binary = ensureDebianPackage('rabbitmqctl', 'rabbitmq-server');
  return new Promise((resolve, reject) => {
    const child = spawn(binary, ['-n', node, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(stdout);
      else reject(new Error(`rabbitmqctl ${args.join(' ')} on ${node} exited with ${code}: ${stderr.trim().slice(0, 500)}`));
    });
  });
}

/**
 * Starts a RabbitMQ cluster of `ports.length` native nodes on this host (Debian's rabbitmq-server),
 * for tests of what survives the loss of a node. Each node is started as `npm test` starts its broker
 * (harness account, one account per service), with its own node name, AMQP and distribution ports
 * and no plugins; they share the Erlang cookie of the broker's system user, which is what lets them
 * cluster. They boot side by side with the same accounts; the others then reset and join the first.
 */
export async function startRabbitMqCluster({ ports, name }: { ports: number[]; name: string }): Promise<RabbitMqCluster> {
  const names = ports.map((_, i) => `${name}-${i + 1}`);
  const servers: NativeServer[] = [];
  const stopped = new Set<number>();
  const stopNode = async (i: number) => {
    if (stopped.has(i) || !servers[i]) return;
    stopped.add(i);
    await servers[i].stop();
  };
  const stopAll = async () => {
    // Followers first, the first node last: a cluster that loses its nodes one by one never waits for a quorum it cannot have.
    for (let i = servers.length - 1; i >= 0; i -= 1) await stopNode(i);
    for (const dir of names.flatMap(brokerDirs)) rmSync(dir, { recursive: true, force: true });
  };
  try {
    for (const dir of names.flatMap(brokerDirs)) rmSync(dir, { recursive: true, force: true });
    // The same accounts on every node, written before any starts: importing definitions on a joining
    // node then sets the passwords the cluster already has. The nodes boot side by side.
    const passwords = JSON.stringify(Object.fromEntries(Object.keys(BROKER_USERS).map((user) => [user, randomBytes(24).toString('base64url')])));
    for (const dir of names.flatMap(brokerDirs)) {
      if (!existsSync(join(dir, '..'))) continue;
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, 'credentials.json'), passwords, { mode: 0o600 });
    }
    const started = await Promise.allSettled(ports.map((port, i) => startRabbitMq({ port, name: names[i]!, harness: true })));
    for (const result of started) if (result.status === 'fulfilled') servers.push(result.value);
    const failed = started.find((result) => result.status === 'rejected');
    if (failed) throw failed.reason;
    if (servers.some((server) => !server.started)) throw new Error(`a port of ${ports.join(', ')} is taken: a cluster starts on free ports only`);
    for (let i = 1; i < ports.length; i += 1) {
      const node = `${names[i]}@localhost`;
      await ctl(node, ['stop_app']);
      await ctl(node, ['reset']);
      await ctl(node, ['join_cluster', `${names[0]}@localhost`]);
      await ctl(node, ['start_app']);
    }
    await ctl(`${names[0]}@localhost`, ['await_online_nodes', String(ports.length)]);
  } catch (err) {
    await stopAll();
    throw err;
  }
  const harnessUrl = new URL(servers[0]!.url);
  return {
    nodes: ports.map((port, i) => {
      const url = new URL(harnessUrl);
      url.port = String(port);
      return { node: `${names[i]}@localhost`, port, url: url.toString(), stop: () => stopNode(i) };
    }),
    async queueLeader(queue) {
      const asked = names.find((_, i) => !stopped.has(i))!;
      const lines = (await ctl(`${asked}@localhost`, ['list_queues', 'name', 'leader', '--quiet', '--no-table-headers'])).split('\n');
      return lines.map((line) => line.trim().split(/\s+/)).find(([name]) => name === queue)?.[1];
    },
    stop: stopAll,
  };
}

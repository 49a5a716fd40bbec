import { execFile, spawn } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ensureDebianPackage } from './debian';
import { DATA_DIR, log, logFile } from './paths';
import { freePort, waitForPort } from './ports';
import { startedServer, type NativeServer } from './processes';

/**
 * Redis as production runs it when one server is not enough: a Redis Cluster of three masters, and
 * a master with a replica watched by three sentinels. Started from Debian's redis-server (a
 * sentinel is redis-server in sentinel mode) on free ports, each with its own data folder, removed
 * again on stop. For the tests that run the services against them.
 */

const run = promisify(execFile);

async function redisCli(port: number, ...args: string[]): Promise<string> {
  const cli = ensureDebianPackage('redis-cli', 'redis-tools');
  const { stdout } = await run(cli, ['-h', '127.0.0.1', '-p', String(port), ...args], { timeout: 15_000 });
  return stdout;
}

async function until(what: string, timeoutMs: number, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${what} within ${timeoutMs} ms`);
}

async function startNode(dir: string, name: string, args: string[], port: number): Promise<NativeServer> {
  const binary = ensureDebianPackage('redis-server', 'redis-server');
  const out = logFile(name);
  const child = spawn(binary, args, { detached: true, stdio: ['ignore', out, out], cwd: dir });
  await waitForPort(port, name, 15_000, child);
  return startedServer('redis', `redis://127.0.0.1:${port}`, port, child);
}

/** An emptied folder for a topology's processes; `stop` ends every process added and removes the folder. */
function topology(name: string): { root: string; processes: NativeServer[]; stop: () => Promise<void> } {
  const root = join(DATA_DIR, name);
  rmSync(root, { recursive: true, force: true });
  mkdirSync(root, { recursive: true });
  const processes: NativeServer[] = [];
  const stop = async () => {
    await Promise.all(processes.map((p) => p.stop()));
    rmSync(root, { recursive: true, force: true });
  };
  return { root, processes, stop };
}

const nodeArgs = (port: number, dir: string) => ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no'];

export interface RedisTopology {
  /** The URL the services take (redis+cluster:// or redis+sentinel://). */
  url: string;
  stop(): Promise<void>;
}

/** Three masters sharing the 16384 slots, no replicas; `url` names all three as seed nodes. */
export async function startRedisCluster(name = `redis-cluster-${process.pid}`): Promise<RedisTopology & { ports: number[] }> {
  const { root, processes: nodes, stop } = topology(name);
  try {
    for (let i = 0; i < 3; i++) {
      const port = await freePort();
      // The bus port is set, not port + 10000, which passes 65535 for the high ports tests get.
      const busPort = await freePort();
      const dir = join(root, String(port));
      mkdirSync(dir);
      const args = [...nodeArgs(port, dir), '--cluster-enabled', 'yes', '--cluster-config-file', join(dir, 'nodes.conf')];
      args.push('--cluster-port', String(busPort), '--cluster-node-timeout', '2000');
      nodes.push(await startNode(dir, `${name}-${port}`, args, port));
    }
    const ports = nodes.map((node) => node.port);
    await redisCli(ports[0]!, '--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`), '--cluster-replicas', '0', '--cluster-yes');
    for (const port of ports)
      await until(`cluster node ${port} did not report cluster_state:ok`, 20_000, async () =>
        (await redisCli(port, 'cluster', 'info')).includes('cluster_state:ok'),
      );
    log(`redis cluster: three masters on ${ports.join(', ')}`);
    return { url: `redis+cluster://${ports.map((p) => `127.0.0.1:${p}`).join(',')}`, ports, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

export interface SentinelTopology extends RedisTopology {
  /** The port of the current master, as the sentinels say. */
  masterPort(): Promise<number>;
  /** Has the sentinels promote the replica, and waits until they name it master and it takes writes. */
  failover(): Promise<void>;
}

export const SENTINEL_MASTER_NAME = 'mymaster';

/** A master, one replica and three sentinels with a quorum of two; `url` names the three sentinels. */
export async function startRedisSentinel(name = `redis-sentinel-${process.pid}`): Promise<SentinelTopology> {
  const { root, processes, stop } = topology(name);
  try {
    const masterPort = await freePort();
    const replicaPort = await freePort();
    for (const [port, extra] of [
      [masterPort, []],
      [replicaPort, ['--replicaof', '127.0.0.1', String(masterPort)]],
    ] as const) {
      const dir = join(root, String(port));
      mkdirSync(dir);
      processes.push(await startNode(dir, `${name}-${port}`, [...nodeArgs(port, dir), ...extra], port));
    }
    await until('the replica did not sync', 20_000, async () =>
      (await redisCli(replicaPort, 'info', 'replication')).includes('master_link_status:up'),
    );
    const sentinelPorts: number[] = [];
    for (let i = 0; i < 3; i++) {
      const port = await freePort();
      const dir = join(root, `sentinel-${port}`);
      mkdirSync(dir);
      // Sentinel rewrites its configuration file, so it gets one of its own.
      const config = join(dir, 'sentinel.conf');
      writeFileSync(
        config,
        [
          `port ${port}`,
          'bind 127.0.0.1',
          `dir ${dir}`,
          `sentinel monitor ${SENTINEL_MASTER_NAME} 127.0.0.1 ${masterPort} 2`,
          `sentinel down-after-milliseconds ${SENTINEL_MASTER_NAME} 1000`,
          `sentinel failover-timeout ${SENTINEL_MASTER_NAME} 10000`,
          `sentinel parallel-syncs ${SENTINEL_MASTER_NAME} 1`,
          '',
        ].join('\n'),
      );
      processes.push(await startNode(dir, `${name}-sentinel-${port}`, [config, '--sentinel'], port));
      sentinelPorts.push(port);
    }
    const sentinel = sentinelPorts[0]!;
    // A forced failover needs a sentinel that knows the replica, and the others to follow it.
    await until('the sentinels did not find the replica and each other', 30_000, async () => {
      const info = await Promise.all(sentinelPorts.map((port) => redisCli(port, 'sentinel', 'master', SENTINEL_MASTER_NAME)));
      return info.every((text) => /num-slaves\n1\n/.test(text) && /num-other-sentinels\n2\n/.test(text));
    });
    const masterPortNow = async () =>
      Number((await redisCli(sentinel, 'sentinel', 'get-master-addr-by-name', SENTINEL_MASTER_NAME)).trim().split('\n')[1]);
    log(`redis sentinel: master ${masterPort}, replica ${replicaPort}, sentinels ${sentinelPorts.join(', ')}`);
    return {
      url: `redis+sentinel://${sentinelPorts.map((p) => `127.0.0.1:${p}`).join(',')}/${SENTINEL_MASTER_NAME}`,
      masterPort: masterPortNow,
      failover: async () => {
        const before = await masterPortNow();
        await redisCli(sentinel, 'sentinel', 'failover', SENTINEL_MASTER_NAME);
        await until('the sentinels did not name a new master', 30_000, async () => (await masterPortNow()) !== before);
        const after = await masterPortNow();
        await until('the new master did not take writes', 30_000, async () => (await redisCli(after, 'role')).startsWith('master'));
        await until('the old master did not follow the new one', 30_000, async () =>
          (await redisCli(before, 'info', 'replication')).includes('master_link_status:up'),
        );
        log(`redis sentinel: failover from ${before} to ${after}`);
      },
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

import type { ChildProcess } from 'node:child_process';
import type { BrokerUser } from './broker-users';
import { log } from './paths';

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
    stop: stopChild(child),
  };
}

/** Stops `child` and its whole process group: SIGTERM, then SIGKILL after `graceMs`. */
export function stopChild(child: ChildProcess, graceMs = 5000): () => Promise<void> {
  return async () => {
    killTree(child);
    await exited(child, graceMs);
  };
}

/** Resolves once `child` has exited, killing its process group after `timeoutMs`. */
export function exited(child: ChildProcess, timeoutMs: number): Promise<void> {
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

/** A server found already listening: used as it is, and left running on stop. */
export function reused(kind: NativeServer['kind'], url: string, port: number): NativeServer {
  log(`${kind}: reusing the server already listening on port ${port}`);
  return { kind, url, port, started: false, stop: async () => undefined };
}

import type { Command } from 'ioredis';
import type { RedisClient } from './connections';
import type { Connection } from 'mongoose';
import { boundedLabel, type Metrics } from './metrics';

// A blocking read (BullMQ's BZPOPMIN, a BRPOPLPUSH) lasts as long as the queue is empty: waiting, not a round trip.
const WAITING = new Set([
  'blpop',
  'brpop',
  'brpoplpush',
  'blmove',
  'blmpop',
  'bzpopmin',
  'bzpopmax',
  'bzmpop',
  'xread',
  'xreadgroup',
  'subscribe',
  'psubscribe',
  'ssubscribe',
  'monitor',
]);

/**
 * Observes round trips of one store client. A histogram child per operation and outcome, looked up
 * by a string: prom-client hashing a labels object costs more than the rest of the timing.
 */
export function storeObserver(metrics: Metrics, store: string, client: string): (operation: string, ok: boolean, seconds: number) => void {
  const bounded = boundedLabel(40);
  const children = new Map<string, { observe(value: number): void }>();
  return (operation, ok, seconds) => {
    const key = ok ? operation : `${operation}\0error`;
    let child = children.get(key);
    if (!child) {
      child = metrics.storeDuration.labels(store, client, bounded(operation), ok ? 'ok' : 'error');
      children.set(key, child);
    }
    child.observe(seconds);
  };
}

/** Times every command of an ioredis client into `store_request_duration_seconds{store="redis", client}`. */
export function timeRedisCommands(client: RedisClient, metrics: Metrics, name: string): void {
  const observe = storeObserver(metrics, 'redis', name);
  // A command can pass through sendCommand twice (the offline queue sends it again on connect).
  const timed = new WeakSet<object>();
  // Both clients take every command through sendCommand (a Cluster before it picks the node); their signatures differ after the command.
  const target = client as unknown as { sendCommand: (command: Command, ...rest: unknown[]) => unknown };
  const send = target.sendCommand.bind(target);
  target.sendCommand = (command, ...rest) => {
    const commandName = command.name.toLowerCase();
    if (timed.has(command) || WAITING.has(commandName)) return send(command, ...rest);
    timed.add(command);
    const started = performance.now();
    const result = send(command, ...rest);
    command.promise.then(
      () => observe(commandName, true, (performance.now() - started) / 1000),
      () => observe(commandName, false, (performance.now() - started) / 1000),
    );
    return result;
  };
}

interface CommandEvent {
  commandName: string;
  /** Milliseconds, as the driver measured it. */
  duration: number;
}

/**
 * Times every MongoDB command of a mongoose connection into `store_request_duration_seconds{store="mongodb"}`,
 * from the driver's command monitoring events (the connection is opened with monitorCommands on).
 */
export function timeMongoCommands(connection: Connection, metrics: Metrics): void {
  const observe = storeObserver(metrics, 'mongodb', 'mongoose');
  connection.on('commandSucceeded', (event: CommandEvent) => observe(event.commandName, true, event.duration / 1000));
  connection.on('commandFailed', (event: CommandEvent) => observe(event.commandName, false, event.duration / 1000));
}

import type { Redis } from 'ioredis';
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

/** Times every command of an ioredis client into `store_request_duration_seconds{store="redis", client}`. */
export function timeRedisCommands(client: Redis, metrics: Metrics, name: string): void {
  const operation = boundedLabel(40);
  // A command can pass through sendCommand twice (the offline queue sends it again on connect).
  const timed = new WeakSet<object>();
  const send = client.sendCommand.bind(client);
  client.sendCommand = (command, stream) => {
    const result = send(command, stream);
    const commandName = command.name.toLowerCase();
    if (!timed.has(command) && !WAITING.has(commandName)) {
      timed.add(command);
      const started = performance.now();
      const observe = (outcome: 'ok' | 'error') => () =>
        metrics.storeDuration.observe(
          { store: 'redis', client: name, operation: operation(commandName), outcome },
          (performance.now() - started) / 1000,
        );
      command.promise.then(observe('ok'), observe('error'));
    }
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
  const operation = boundedLabel(40);
  const observe = (outcome: 'ok' | 'error') => (event: CommandEvent) =>
    metrics.storeDuration.observe({ store: 'mongodb', client: 'mongoose', operation: operation(event.commandName), outcome }, event.duration / 1000);
  connection.on('commandSucceeded', observe('ok'));
  connection.on('commandFailed', observe('error'));
}

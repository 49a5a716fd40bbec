import { ConnectionStates, type Connection } from 'mongoose';
import type { Logger } from '@app/common';

/** Resolves true once the connection is open, or false after `timeoutMs` (the service starts anyway and answers 503). */
export function whenConnected(connection: Connection, timeoutMs: number): Promise<boolean> {
  if (connection.readyState === ConnectionStates.connected) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      connection.off('connected', onConnected);
      resolve(false);
    }, timeoutMs);
    const onConnected = () => {
      clearTimeout(timer);
      resolve(true);
    };
    connection.once('connected', onConnected);
  });
}

/** Runs `ensure` (index creation) now if connected and again after every (re)connection. */
export function onEveryConnection(connection: Connection, logger: Logger, ensure: () => Promise<void>): () => Promise<void> {
  const run = () =>
    ensure().catch((err: unknown) => {
      logger.warn({ err: String(err) }, 'could not create indexes; will retry on reconnect');
    });
  connection.on('connected', () => void run());
  connection.on('reconnected', () => void run());
  return run;
}

import type { Connection } from 'mongoose';
import type { Logger } from '@app/common';

/**
 * MONGO_URL names the server, MONGO_DB the database: put the database in the URL's path, keeping
 * any host list and options as they are (a multi-host URL is not a WHATWG URL, hence no `new URL`).
 */
export function mongoUrlFor(url: string, db: string): string {
  const match = /^(mongodb(?:\+srv)?:\/\/[^/?]+)(\/[^?]*)?(\?.*)?$/i.exec(url);
  if (!match) throw new Error(`MONGO_URL is not a MongoDB URL: ${url}`);
  return `${match[1]}/${encodeURIComponent(db)}${match[3] ?? ''}`;
}

/** Resolves true once the connection is open, or false after `timeoutMs` (the service starts anyway and answers 503). */
export function whenConnected(connection: Connection, timeoutMs: number): Promise<boolean> {
  if (connection.readyState === 1) return Promise.resolve(true);
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

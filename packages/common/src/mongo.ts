/**
 * MongoDB's part of the shared building blocks, an entry of its own (`@app/common/mongo`) so that a
 * process without a database (the gateway) never loads mongoose: only the services that own data
 * import it.
 */
import mongoose, { type Connection } from 'mongoose';
import type { Logger } from 'pino';
import { AppError } from './errors';

/**
 * A mongoose connection that is returned at once and keeps trying to reach the server
 * in the background, so a service starts (and answers 503) while MongoDB is still away.
 * Operations fail fast instead of queueing: a request never waits on a dead server.
 */
export function connectMongo(url: string, logger: Logger, dbName?: string): Connection {
  const connection = mongoose.createConnection();
  connection.on('disconnected', () => logger.warn('mongodb disconnected'));
  connection.on('reconnected', () => logger.info('mongodb reconnected'));
  let attempt = 0;
  let retry: NodeJS.Timeout | undefined;
  let closed = false;
  // Closing must also end the retry loop, or a service stopped while the database is away keeps dialling.
  const close = connection.close.bind(connection);
  connection.close = (force?: boolean) => {
    closed = true;
    clearTimeout(retry);
    return close(force);
  };
  const open = () => {
    if (closed) return;
    connection
      .openUri(url, {
        ...(dbName ? { dbName } : {}),
        // Set here, not with connection.set(): only the connect options reach the models' buffering check.
        bufferCommands: false,
        serverSelectionTimeoutMS: 1500,
        connectTimeoutMS: 2000,
        socketTimeoutMS: 30_000,
        maxPoolSize: 20,
        // Command events time each round trip (store_request_duration_seconds, store-metrics.ts).
        monitorCommands: true,
      })
      .then(() => logger.info('connected to mongodb'))
      .catch((err: unknown) => {
        attempt += 1;
        logger.warn({ err: String(err), attempt }, 'mongodb connect failed, retrying');
        if (!closed) retry = setTimeout(open, Math.min(5000, 250 * 2 ** attempt)).unref();
      });
  };
  open();
  return connection;
}

const MONGO_UNAVAILABLE = new Set([
  'MongoServerSelectionError',
  'MongoNetworkError',
  'MongoNetworkTimeoutError',
  'MongoNotConnectedError',
  'MongoTopologyClosedError',
  'MongoPoolClearedError',
]);

/**
 * Maps what the MongoDB driver says to our errors at the data-access edge: "the database is away"
 * (or a socket it closed under a command, surfacing as a bare Node error) becomes the 503, and a value
 * mongoose cannot cast or validate a 400. Other errors are returned unchanged.
 */
export function mapMongoError(err: unknown): unknown {
  if (err instanceof mongoose.Error.CastError) {
    // An operator object that got past validation, which sanitizeFilter turned into a plain comparison.
    return AppError.validation(`Invalid value for ${err.path}`, [{ field: err.path, message: `must be a ${err.kind.toLowerCase()}` }]);
  }
  if (err instanceof mongoose.Error.ValidationError) {
    // Validation at the edge states the same bounds; reaching this means they drifted, and the caller still gets a 400.
    const problems = Object.values(err.errors).map((e) => ({ field: e.path, message: e.message }));
    return AppError.validation(`Invalid ${problems.map((p) => p.field).join(', ')}`, problems);
  }
  const code = (err as { code?: unknown } | null | undefined)?.code;
  if (code === 'EPIPE' || code === 'ECONNRESET') return AppError.unavailable('mongodb');
  const name = (err as { name?: string } | null | undefined)?.name ?? '';
  const message = (err as { message?: string } | null | undefined)?.message ?? '';
  if (MONGO_UNAVAILABLE.has(name) || (name === 'MongooseError' && /bufferCommands|not connected|initial connection/i.test(message))) {
    return AppError.unavailable('mongodb');
  }
  return err;
}

/** Runs a database operation, turning what the driver throws into our errors (see mapMongoError). */
export async function mongoCall<T>(operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (err) {
    throw mapMongoError(err);
  }
}

/** Whether a MongoDB error is a unique-index violation. */
export function isDuplicateKey(err: unknown): boolean {
  return (err as { code?: number } | null | undefined)?.code === 11000;
}

export * from './expiry-sweep';
export * from './outbox-store';

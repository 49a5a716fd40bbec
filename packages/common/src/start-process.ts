import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Express } from 'express';
import type { RedisOptions } from 'ioredis';
import type { Connection } from 'mongoose';
import type { Logger } from 'pino';
import { connectRedis, type RedisClient } from './connections';
import { AppError } from './errors';
import { EventBus, type EventBusOptions } from './events';
import { closeServer, listen, openConnections, portOf, requestIdFrom, sendError, separateManagement, stopAccepting } from './http';
import { IDENTITY_HEADERS } from './identity';
import { once, runMain } from './lifecycle';
import { storeObserver, timeMongoCommands, timeRedisCommands } from './store-metrics';
import type { Metrics } from './metrics';
import { withTimeout } from './readiness';
import { flushTracing } from './tracing';

/** A started process (API service, worker or gateway), as `start()` returns it to `main` and to tests. */
export interface RunningProcess {
  port: number;
  url: string;
  logger: Logger;
  /** Settles once every background preparation has succeeded (indexes, seed data), or the process stopped first. */
  prepared: Promise<void>;
  /** Where /ready and /metrics are served when they have a port of their own (MANAGEMENT_PORT). */
  managementPort?: number;
  /** How long the whole graceful stop may take (SHUTDOWN_TIMEOUT_MS). */
  shutdownMs: number;
  /**
   * The first part of a stop on a signal: `/ready` answers 503 while the process serves on for
   * DRAIN_DELAY_MS, then it refuses new connections and waits up to as long again for the open ones
   * to end, each answer carrying `Connection: close`. Tests that stop a process in-process call `stop()` alone.
   */
  drain(): Promise<void>;
  /** Closes what the process opened, the last opened first; safe to call twice. */
  stop(): Promise<void>;
}

/** What a process's start-up code registers its parts with. */
export interface ProcessSetup {
  readonly logger: Logger;
  /** Aborted as soon as the process starts stopping. */
  readonly signal: AbortSignal;
  /** Something to close on stop: closed in the reverse order of registration, each within `timeoutMs`. */
  onStop(what: string, close: () => unknown, timeoutMs?: number): void;
  /**
   * Runs `work` in the background until it succeeds once, retrying with backoff while a dependency is
   * away and at once when a MongoDB connection of this process (re)connects. Resolves when it succeeded
   * or the process stopped.
   */
  prepare(what: string, work: () => Promise<void>): Promise<void>;
  /** Whether every preparation registered so far has succeeded. */
  isPrepared(): boolean;
  /** Runs `work` every `intervalMs` (never two runs at once) until the process stops. */
  every(what: string, intervalMs: number, work: () => Promise<unknown>): void;
  /**
   * Registers a MongoDB connection (from `connectMongo` of `@app/common/mongo`, which keeps dialling
   * in the background): closed on stop, and its (re)connecting wakes the preparations that wait.
   */
  database(connection: Connection): Connection;
  /** An ioredis client from `connectRedis`, quit on stop. */
  redis(url: string, name: string, options?: RedisOptions): RedisClient;
  /** Quits a Redis client made elsewhere (BullMQ's own) on stop. */
  ownRedis<C extends RedisClient>(client: C, what: string): C;
  /** The event bus, closed on stop; not started here (subscribe first, then `start()`). */
  eventBus(options: Omit<EventBusOptions, 'logger'>): EventBus;
  /**
   * Listens on `port` (0: any); the server is the first thing closed on stop. Call once. With a
   * management port, `/ready` and `/metrics` of an app from `createServiceApp` move there.
   */
  listen(app: Express, port: number, host: string): Promise<Server>;
}

export interface ProcessOptions {
  logger: Logger;
  /**
   * The process's metrics: the stores' round trips are timed into them, and the event bus adds its
   * confirms, consumed messages, unsent events and the depth of its dead-letter queues.
   */
  metrics?: Metrics;
  shutdownMs: number;
  /** DRAIN_DELAY_MS: each of `drain()`'s two waits, at most a third of `shutdownMs`; default 0 (no drain). */
  drainMs?: number;
  /** MANAGEMENT_PORT: a second listener for `/health`, `/ready` and `/metrics` (0: any); unset: none. */
  managementPort?: number | undefined;
}

const DEFAULT_CLOSE_MS = 5000;
// mongoose.ConnectionStates.connected, written out: the gateway loads this module and must not load mongoose.
const CONNECTED = 1;

/** The options of a process from its validated base configuration (and DRAIN_DELAY_MS where it serves requests). */
export function processOptions(config: { SHUTDOWN_TIMEOUT_MS: number; DRAIN_DELAY_MS?: number; MANAGEMENT_PORT?: number | undefined }) {
  return { shutdownMs: config.SHUTDOWN_TIMEOUT_MS, drainMs: config.DRAIN_DELAY_MS ?? 0, managementPort: config.MANAGEMENT_PORT };
}

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

type DrainState = 'serving' | 'draining' | 'closing';

/**
 * While the process drains, `/ready` fails, so a load balancer or an orchestrator stops sending here,
 * and every other request is still served. Once it stops accepting, every answer carries
 * `Connection: close`: each open keep-alive connection ends cleanly after its last answer instead
 * of being closed while idle, which races a request its client may be writing on it that moment.
 */
function drainingAware(handler: Handler, stateOf: () => DrainState, service: string): Handler {
  return (req, res) => {
    const state = stateOf();
    if (state === 'serving') {
      handler(req, res);
      return;
    }
    if (state === 'closing') res.setHeader('connection', 'close');
    const path = (req.url ?? '').split('?')[0];
    if (path === '/ready' && (req.method === 'GET' || req.method === 'HEAD')) {
      const id = requestIdFrom(req.headers[IDENTITY_HEADERS.requestId]);
      sendError(res, new AppError('not_ready', 'Not ready: stopping', { details: { service, draining: true } }), id);
      return;
    }
    handler(req, res);
  };
}

/** The event bus's hooks that count what it consumed and refused, and time each publish until the broker's confirm. */
function eventBusMetrics(metrics: Metrics): Pick<EventBusOptions, 'onPublished' | 'onConsumed' | 'onRejected'> {
  const consumed = metrics.counter('events_consumed_total', 'Messages delivered to this service, by queue and what became of them', [
    'queue',
    'outcome',
  ] as const);
  const rejected = metrics.counter('events_rejected_total', 'Events a consumer refused and dead-lettered, by event and reason', [
    'event',
    'reason',
  ] as const);
  const published = storeObserver(metrics, 'rabbitmq', 'events');
  return {
    onPublished: (outcome, seconds) => published('publish', outcome === 'confirmed', seconds),
    onConsumed: (queue, outcome) => consumed.inc({ queue, outcome }),
    onRejected: (event, reason) => rejected.inc({ event, reason }),
  };
}

/**
 * The one start-up path of every entry point: `build` opens and registers the process's parts and
 * listens; if it throws, what it registered is closed before the error is passed on (a taken port
 * must not leave connections and timers keeping the process alive).
 */
export async function startProcess<T extends object = object>(
  options: ProcessOptions,
  build: (setup: ProcessSetup) => Promise<T>,
): Promise<RunningProcess & T> {
  const { logger, shutdownMs } = options;
  const closers: { what: string; close: () => unknown; timeoutMs: number }[] = [];
  const stopping = new AbortController();
  const preparations: Promise<void>[] = [];
  const connections: Connection[] = [];
  let pending = 0;
  let server: Server | undefined;
  let managementServer: Server | undefined;
  let drainState: DrainState = 'serving';
  const stateOf = () => drainState;
  const serviceName = (logger.bindings() as { service?: unknown }).service;
  const service = typeof serviceName === 'string' ? serviceName : 'service';

  const onStop = (what: string, close: () => unknown, timeoutMs = DEFAULT_CLOSE_MS) => {
    closers.push({ what, close, timeoutMs });
  };

  /** A wait that ends early when the process stops or a MongoDB connection (re)connects. */
  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        stopping.signal.removeEventListener('abort', done);
        for (const connection of connections) {
          connection.off('connected', done);
          connection.off('reconnected', done);
        }
        resolve();
      };
      const timer = setTimeout(done, ms);
      timer.unref();
      stopping.signal.addEventListener('abort', done);
      for (const connection of connections) {
        connection.once('connected', done);
        connection.once('reconnected', done);
      }
    });

  const setup: ProcessSetup = {
    logger,
    signal: stopping.signal,
    onStop,
    prepare(what, work) {
      pending += 1;
      const done = (async () => {
        const stopped = () => stopping.signal.aborted;
        for (let attempt = 0; !stopped(); attempt += 1) {
          try {
            await work();
            pending -= 1;
            logger.debug({ what }, 'prepared');
            return;
          } catch (err) {
            if (stopped()) return;
            // A first try that met a database still connecting is the usual start, not news; later ones are.
            // eslint-disable-next-line @typescript-eslint/no-unsafe-enum-comparison -- mongoose's enum is only a type here: this module must not load mongoose
            const connecting = connections.some((connection) => connection.readyState !== CONNECTED);
            logger[attempt === 0 && connecting ? 'debug' : 'warn']({ err: String(err), attempt, what }, 'preparing failed, retrying');
            await pause(Math.min(5000, 250 * 2 ** attempt));
          }
        }
      })();
      preparations.push(done);
      onStop(what, () => done);
      return done;
    },
    isPrepared: () => pending === 0,
    every(what, intervalMs, work) {
      let running: Promise<unknown> | undefined;
      const timer = setInterval(() => {
        running ??= work()
          .catch((err: unknown) => logger.warn({ err: String(err), what }, 'periodic work failed'))
          .finally(() => (running = undefined));
      }, intervalMs);
      timer.unref();
      onStop(what, async () => {
        clearInterval(timer);
        await running;
      });
    },
    database(connection) {
      if (options.metrics) timeMongoCommands(connection, options.metrics);
      connections.push(connection);
      onStop('mongodb', () => connection.close());
      return connection;
    },
    redis(url, name, redisOptions) {
      return setup.ownRedis(connectRedis(url, logger, name, redisOptions), name);
    },
    ownRedis(client, what) {
      if (options.metrics) timeRedisCommands(client, options.metrics, what);
      // quit waits for replies; a server that is away never sends them.
      onStop(`redis ${what}`, () => withTimeout(client.quit(), 2000, `redis ${what} quit`).catch(() => client.disconnect()));
      return client;
    },
    eventBus(busOptions) {
      const metrics = options.metrics;
      const bus = new EventBus({ ...busOptions, logger, ...(metrics ? eventBusMetrics(metrics) : {}) });
      metrics?.gauge('events_unsent', 'Events kept in memory until the broker confirms them (it is away or refusing)', [], async (gauge) => {
        gauge.set(bus.pendingCount());
      });
      options.metrics?.gauge('events_dead_letters', 'Events parked in a dead-letter queue of this service', ['queue'], async (gauge) => {
        // A broker that is away leaves the last values: an alert on dead letters should not clear itself then.
        const depths = await withTimeout(bus.deadLetterDepths(), 1000, 'dead-letter depths').catch(() => ({}));
        for (const [queue, count] of Object.entries(depths)) gauge.set({ queue }, count);
      });
      onStop('event bus', () => bus.close());
      return bus;
    },
    async listen(app, port, host) {
      if (server) throw new Error('a process listens once');
      const graceMs = Math.min(DEFAULT_CLOSE_MS, shutdownMs / 2);
      if (options.managementPort !== undefined) {
        const management = await listen(drainingAware(separateManagement(app, logger), stateOf, service), options.managementPort, host);
        managementServer = management;
        // Closed after the main server: probes and scrapes see the process until it is gone.
        onStop('management server', () => closeServer(management, 1000), 2000);
      }
      server = await listen(drainingAware(app, stateOf, service), port, host);
      const listening = server;
      onStop('http server', () => closeServer(listening, graceMs), graceMs + 1000);
      return listening;
    },
  };

  const stop = once(async () => {
    stopping.abort();
    for (const { what, close, timeoutMs } of closers.reverse()) {
      try {
        await withTimeout(Promise.resolve().then(close), timeoutMs, `closing ${what}`);
      } catch (err) {
        logger.warn({ err: String(err), what }, 'did not close cleanly');
      }
    }
    // The last requests' spans still wait in the batch; a collector that is away must not hold the stop.
    await withTimeout(flushTracing(), 2000, 'flushing traces').catch((err: unknown) => logger.warn({ err: String(err) }, 'traces not flushed'));
  });

  // Both waits of the drain together leave a third of the shutdown bound to the stop itself.
  const drainMs = Math.min(options.drainMs ?? 0, shutdownMs / 3);
  /** Waits `ms`, less if the process starts stopping meanwhile (a second signal, a test). */
  const delay = (ms: number) =>
    new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        stopping.signal.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      stopping.signal.addEventListener('abort', done);
    });
  const drain = once(async () => {
    drainState = 'draining';
    if (drainMs <= 0 || !server) return;
    logger.info({ drainMs }, 'draining: /ready answers 503 while load balancers stop sending here');
    await delay(drainMs);
    // Then no new connections (a client retries a refused one: nothing was sent), and the open ones end
    // after their next answer, or when their client closes them idle (the gateway does after 2 s).
    drainState = 'closing';
    stopAccepting(server);
    const deadline = Date.now() + drainMs;
    while (Date.now() < deadline && !stopping.signal.aborted && (await openConnections(server)) > 0) await delay(50);
    logger.info({ open: await openConnections(server) }, 'stopped accepting; open connections ended or left to the stop');
  });

  let extras: T;
  try {
    extras = await build(setup);
    if (!server) throw new Error('the process did not listen');
  } catch (err) {
    await stop();
    throw err;
  }
  const port = portOf(server);
  const prepared = Promise.all(preparations).then(() => undefined);
  const management = managementServer ? { managementPort: portOf(managementServer) } : {};
  return { ...extras, port, url: `http://127.0.0.1:${port}`, ...management, logger, prepared, shutdownMs, drain, stop };
}

/**
 * An entry point's exports: `start` (tests call it with overrides, on port 0), `stop` (stops every
 * instance `start` made in this process) and `run` (the process wiring when run as a program).
 */
export function entryPoint<R extends RunningProcess>(name: string, startOne: (overrides?: NodeJS.ProcessEnv) => Promise<R>) {
  const running = new Set<R>();
  const start = async (overrides: NodeJS.ProcessEnv = {}): Promise<R> => {
    const instance = await startOne(overrides);
    running.add(instance);
    const stopOne = instance.stop.bind(instance);
    instance.stop = once(async () => {
      running.delete(instance);
      await stopOne();
    });
    return instance;
  };
  return {
    start,
    stop: async (): Promise<void> => {
      await Promise.all([...running].map((instance) => instance.stop()));
    },
    run: () => runMain(name, () => start()),
  };
}

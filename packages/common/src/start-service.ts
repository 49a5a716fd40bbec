/**
 * How a service that owns data comes up, an entry of its own (`@app/common/service`) because it opens
 * MongoDB: the gateway, which has none, keeps to `startProcess` and never loads mongoose.
 */
import type { Server } from 'node:http';
import type { Connection } from 'mongoose';
import type { EventBus } from './events';
import { createServiceApp, portOf, type ServiceAppOptions } from './http';
import { createLogger } from './logger';
import { createMetrics, type Metrics } from './metrics';
import { connectMongo } from './mongo';
import { entryPoint, processOptions, startProcess, type ProcessSetup, type RunningProcess } from './start-process';

/** The validated settings `startService` reads: those of `baseShape`, `mongoShape` and `eventsShape` (config.ts). */
export interface ServiceSettings {
  LOG_LEVEL: string;
  HOST: string;
  SHUTDOWN_TIMEOUT_MS: number;
  DRAIN_DELAY_MS?: number;
  MANAGEMENT_PORT?: number | undefined;
  MONGO_URL: string;
  MONGO_DB: string;
  AMQP_URL: string;
  EVENTS_EXCHANGE: string;
  EVENTS_TRUSTED_PUBLISHERS?: Record<string, string> | undefined;
}

/** A service's part of its HTTP app: what `/ready` checks, and its own routes. */
export type ServiceApp = Pick<ServiceAppOptions, 'dependencies' | 'routes' | 'openApi'>;

/** What a service's start-up code gets: the process's setup, its validated config and metrics, and its connections. */
export interface ServiceSetup<C extends ServiceSettings> extends Omit<ProcessSetup, 'eventBus'> {
  readonly config: C;
  readonly metrics: Metrics;
  /** The service's MongoDB (MONGO_URL, database MONGO_DB): returned at once, dialling in the background, closed on stop. */
  mongo(): Connection;
  /** The event bus on EVENTS_EXCHANGE as this service, trusting EVENTS_TRUSTED_PUBLISHERS; closed on stop, not started. */
  eventBus(): EventBus;
  /**
   * The service's app (`createServiceApp`: request ids and logs, `/health`, `/ready` from `dependencies`,
   * `/metrics`, its routes, the error handler) listening on `port` and HOST, logged as `<name> listening`
   * with `fields`. Last: the process listens only once its parts are wired.
   */
  serve(app: ServiceApp, port: number, fields?: Record<string, unknown>): Promise<Server>;
}

/**
 * The one start-up of a service (API or worker): validates its config, makes its logger and metrics,
 * and runs `build` through `startProcess` (stop order, drain, retried preparations); returns the
 * entry point's `start`, `stop` and `run`. `build` must end with `serve`.
 */
export function startService<C extends ServiceSettings, T extends object = object>(
  name: string,
  loadConfig: (overrides: NodeJS.ProcessEnv) => C,
  build: (setup: ServiceSetup<C>) => Promise<T>,
) {
  return entryPoint(name, async (overrides: NodeJS.ProcessEnv = {}): Promise<RunningProcess & T> => {
    const config = loadConfig(overrides);
    const logger = createLogger(name, config.LOG_LEVEL);
    const metrics = createMetrics(name);
    return startProcess({ logger, metrics, ...processOptions(config) }, (setup) =>
      build({
        ...setup,
        config,
        metrics,
        mongo: () => setup.database(connectMongo(config.MONGO_URL, logger, config.MONGO_DB)),
        eventBus: () =>
          setup.eventBus({
            url: config.AMQP_URL,
            exchange: config.EVENTS_EXCHANGE,
            service: name,
            ...(config.EVENTS_TRUSTED_PUBLISHERS ? { trustedPublishers: config.EVENTS_TRUSTED_PUBLISHERS } : {}),
          }),
        async serve(app, port, fields = {}) {
          const server = await setup.listen(createServiceApp({ service: name, logger, metrics, ...app }), port, config.HOST);
          logger.info({ port: portOf(server), ...fields }, `${name} listening`);
          return server;
        },
      }),
    );
  });
}

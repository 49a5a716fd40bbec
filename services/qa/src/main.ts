import {
  EventBus,
  closeServer,
  connectMongo,
  createLogger,
  createMetrics,
  createServiceApp,
  dependency,
  listen,
  once,
  portOf,
  runMain,
  type Logger,
} from '@app/common';
import { loadApiConfig, type ApiConfig } from './config';
import { FileStore } from './data/file-store';
import { onEveryConnection, whenConnected } from './data/mongo-connection';
import { QaJobRepository } from './data/qa-job-repository';
import { QaJobService } from './domain/qa-job-service';
import { USER_DELETED, onUserDeleted } from './events/qa-events';
import { JobEventStreams } from './http/job-event-stream';
import { qaRouter } from './http/qa-router';
import { AnalysisQueue } from './jobs/analysis-queue';
import { qaOpenApi } from './openapi';

export interface RunningService {
  port: number;
  url: string;
  logger: Logger;
  config: ApiConfig;
  stop(): Promise<void>;
}

const running = new Set<RunningService>();

/** Starts the QA HTTP service; `overrides` are merged over process.env (tests pass PORT=0, a unique MONGO_DB). */
export async function start(overrides: NodeJS.ProcessEnv = {}): Promise<RunningService> {
  const config = loadApiConfig(overrides);
  const logger = createLogger('qa', config.LOG_LEVEL);
  const metrics = createMetrics('qa');

  const connection = connectMongo(config.MONGO_URL, logger, config.MONGO_DB);
  const jobs = new QaJobRepository(connection);
  const files = new FileStore(connection);
  const ensureIndexes = onEveryConnection(connection, logger, () => jobs.ensureIndexes());
  const queue = new AnalysisQueue(
    config.REDIS_URL,
    config.QA_QUEUE_NAME,
    { attempts: config.QA_JOB_ATTEMPTS, backoffMs: config.QA_JOB_BACKOFF_MS },
    logger,
  );
  const bus = new EventBus({ url: config.AMQP_URL, exchange: config.EVENTS_EXCHANGE, service: 'qa', logger });
  const service = new QaJobService({
    jobs,
    files,
    queue,
    logger,
    dedupWindowSeconds: config.QA_DEDUP_WINDOW_SECONDS,
    pollIntervalMs: config.QA_POLL_INTERVAL_MS,
  });
  const streams = new JobEventStreams({
    jobs,
    pollIntervalMs: config.QA_POLL_INTERVAL_MS,
    heartbeatMs: config.QA_SSE_HEARTBEAT_MS,
    logger,
  });

  const shutdown = new AbortController();
  const app = createServiceApp({
    service: 'qa',
    logger,
    metrics,
    dependencies: [dependency.mongodb(connection), dependency.redis(queue.redis), dependency.rabbitmq(bus)],
    routes: (root) => {
      root.use(
        qaRouter({
          identitySecret: config.IDENTITY_SECRET,
          service,
          files,
          streams,
          logger,
          metrics,
          maxFileBytes: config.QA_MAX_FILE_BYTES,
          maxWaitSeconds: config.QA_MAX_WAIT_SECONDS,
          openapi: qaOpenApi(),
          shutdown: shutdown.signal,
        }),
      );
    },
  });

  await bus.start();
  await bus.subscribe(config.QA_USER_DELETED_QUEUE, [USER_DELETED], onUserDeleted((userId) => service.removeUserData(userId), logger));
  // Give MongoDB a moment so the first requests (and the unique dedup index) find it ready; past that
  // the service starts anyway and answers 503 until it connects.
  if (await whenConnected(connection, 3000)) await ensureIndexes();

  const server = await listen(app, config.PORT, config.HOST);
  const port = portOf(server);
  logger.info({ port }, 'qa listening');

  const instance: RunningService = {
    port,
    url: `http://127.0.0.1:${port}`,
    logger,
    config,
    stop: once(async () => {
      running.delete(instance);
      shutdown.abort();
      streams.closeAll();
      await closeServer(server);
      await queue.close();
      await bus.close();
      await connection.close();
      logger.info('qa stopped');
    }),
  };
  running.add(instance);
  return instance;
}

/** Stops every instance this process started. */
export async function stop(): Promise<void> {
  await Promise.all([...running].map((instance) => instance.stop()));
}

if (require.main === module) void runMain('qa', () => start());

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
import { scheduleUnscheduledJobs, sweepExpiredJobs } from './domain/retention';
import { UsageLimits } from './domain/usage-limits';
import { UsageStore, usagePrefix } from './data/usage-store';
import { USER_DELETED, onUserDeleted } from './events/qa-events';
import { JobEventStreams } from './http/job-event-stream';
import { qaRouter } from './http/qa-router';
import { AnalysisQueue } from './jobs/analysis-queue';
import { JobChanges, jobChangesChannel } from './jobs/job-changes';
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
  const ensureIndexes = onEveryConnection(connection, logger, async () => {
    await jobs.ensureIndexes();
    // In the background: the service answers meanwhile, and the marker makes later starts skip it.
    void scheduleUnscheduledJobs({ jobs, schedule: usage, logger }).catch((err: unknown) => logger.warn({ err: String(err) }, 'could not schedule older jobs for retention; will retry on reconnect'));
  });
  const queue = new AnalysisQueue(
    config.REDIS_URL,
    config.QA_QUEUE_NAME,
    { attempts: config.QA_JOB_ATTEMPTS, backoffMs: config.QA_JOB_BACKOFF_MS },
    logger,
  );
  const bus = new EventBus({ url: config.AMQP_URL, exchange: config.EVENTS_EXCHANGE, service: 'qa', logger, trustedPublishers: config.EVENTS_TRUSTED_PUBLISHERS });
  const changes = new JobChanges(config.REDIS_URL, jobChangesChannel(config.QA_QUEUE_NAME), logger);
  const service = new QaJobService({
    jobs,
    files,
    queue,
    logger,
    dedupWindowSeconds: config.QA_DEDUP_WINDOW_SECONDS,
    watcher: changes,
    pollIntervalMs: config.QA_POLL_INTERVAL_MS,
  });
  const usage = new UsageStore(queue.redis, usagePrefix(config.QA_QUEUE_NAME));
  const limits = new UsageLimits({
    store: usage,
    maxActiveJobs: config.QA_MAX_ACTIVE_JOBS_PER_USER,
    maxStreams: config.QA_MAX_STREAMS_PER_USER,
    maxBytesPerDay: config.QA_MAX_UPLOAD_BYTES_PER_DAY,
    // Three heartbeats missed: the instance holding the stream is gone.
    streamStaleMs: config.QA_SSE_HEARTBEAT_MS * 3,
  });
  const streams = new JobEventStreams({
    jobs,
    changes,
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
          limits,
          schedule: usage,
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

  // Uploaded files and results expire QA_RETENTION_DAYS after their job was created. Every instance
  // sweeps; deleting is idempotent, and the schedule is read only where it is due.
  const retentionMs = config.QA_RETENTION_DAYS * 24 * 3600 * 1000;
  let sweeping = false;
  const retention = setInterval(() => {
    if (sweeping) return;
    sweeping = true;
    sweepExpiredJobs({ schedule: usage, service, retentionMs, logger })
      .catch((err: unknown) => logger.warn({ err: String(err) }, 'retention sweep failed'))
      .finally(() => (sweeping = false));
  }, config.QA_RETENTION_SWEEP_MS);
  retention.unref();

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
      clearInterval(retention);
      shutdown.abort();
      streams.closeAll();
      await closeServer(server);
      await queue.close();
      await changes.close();
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

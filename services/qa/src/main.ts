// First of all: when this file runs as a program with tracing configured, the instrumentations
// must be in place before express, ioredis, mongodb and amqplib load (keep these lines on top).
import { traceProcess } from '@app/common/tracing';
traceProcess('qa', module);
import { dependency, identityKeys, timeRedisCommands, type RunningProcess } from '@app/common';
import { startService, type ServiceApp } from '@app/common/service';
import { loadApiConfig, type ApiConfig } from './config';
import { openQaDatabase } from './data/qa-database';
import { QaJobService } from './domain/qa-job-service';
import { sweepExpiredJobs } from './domain/retention';
import { UsageLimits } from './domain/usage-limits';
import { RecentUploads, recentUploadsPrefix } from './data/recent-uploads';
import { UsageStore, usagePrefix } from './data/usage-store';
import { onUserDeleted } from './events/qa-events';
import { JobEventStreams } from './http/job-event-stream';
import { qaRoutes } from './http/qa-routes';
import { AnalysisQueue } from './jobs/analysis-queue';
import { JobChanges, jobChangesChannel } from './jobs/job-changes';
import { qaOpenApi } from './openapi';

export type RunningService = RunningProcess & { config: ApiConfig };

const qa = startService('qa', loadApiConfig, async (setup) => {
  const { config, logger, metrics } = setup;
  const { connection, jobs, files, indexesOrTimeout } = openQaDatabase(setup);
  const queue = new AnalysisQueue(
    config.REDIS_URL,
    config.QA_QUEUE_NAME,
    config.QA_QUEUE_PREFIX,
    { attempts: config.QA_JOB_ATTEMPTS, backoffMs: config.QA_JOB_BACKOFF_MS },
    logger,
  );
  setup.onStop('analysis queue', () => queue.close());
  // Uploads, duplicates and usage limits go through the queue's connection: its round trips are the API's Redis time.
  timeRedisCommands(queue.redis, metrics, 'queue');
  const bus = setup.eventBus();
  const changes = new JobChanges(config.REDIS_URL, jobChangesChannel(config.QA_QUEUE_NAME), logger);
  setup.onStop('job changes', () => changes.close());
  const service = new QaJobService({
    jobs,
    files,
    queue,
    logger,
    dedupWindowSeconds: config.QA_DEDUP_WINDOW_SECONDS,
    recentUploads: new RecentUploads(queue.redis, recentUploadsPrefix(config.QA_QUEUE_NAME)),
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

  const app: ServiceApp = {
    // Uploads need the queue's Redis (the queue, dedup, usage limits) as much as MongoDB; events wait in the bus's buffer.
    dependencies: [dependency.mongodb(connection, 'required'), dependency.redis(queue.redis, 'required'), dependency.rabbitmq(bus, 'degradable')],
    openApi: qaOpenApi(),
    routes: (root) => {
      root.use(
        qaRoutes({
          identitySecret: identityKeys(config),
          service,
          limits,
          files,
          streams,
          logger,
          metrics,
          maxFileBytes: config.QA_MAX_FILE_BYTES,
          maxWaitSeconds: config.QA_MAX_WAIT_SECONDS,
          maxHeldRequests: config.QA_MAX_HELD_REQUESTS,
          shutdown: setup.signal,
        }),
      );
    },
  };

  await bus.start();
  await bus.subscribe(
    config.QA_USER_DELETED_QUEUE,
    ['user.deleted'],
    onUserDeleted((userId) => service.removeUserData(userId), logger),
  );
  await indexesOrTimeout();

  // Uploaded files and results expire QA_RETENTION_DAYS after their job was created. Every instance
  // sweeps; deleting is idempotent, and the schedule is read only where it is due.
  const retentionMs = config.QA_RETENTION_DAYS * 24 * 3600 * 1000;
  setup.every('retention sweep', config.QA_RETENTION_SWEEP_MS, () => sweepExpiredJobs({ schedule: usage, service, retentionMs, logger }));

  await setup.serve(app, config.PORT);
  // Registered after the server, so closed before it: open event streams end (and tell their
  // clients) rather than hold the server's close until its grace period runs out.
  setup.onStop('event streams', () => streams.closeAll());
  return { config };
});
/** Starts the QA HTTP service; `overrides` are merged over process.env (tests pass PORT=0, a unique MONGO_DB). */
export const start = qa.start;
/** Stops every QA service `start()` made in this process. */
export const stop = qa.stop;

if (require.main === module) void qa.run();

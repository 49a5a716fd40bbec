// First of all: when this file runs as a program with tracing configured, the instrumentations
// must be in place before express, ioredis, mongodb and amqplib load (keep these lines on top).
import { traceProcess } from '@app/common/tracing';
traceProcess('qa-worker', module);
import { dependency, EventOutbox, withTimeout, type EventOf, type RunningProcess } from '@app/common';
import { mongoOutboxStore } from '@app/common/mongo';
import { startService } from '@app/common/service';
import { Queue, Worker } from 'bullmq';
import { loadWorkerConfig, type WorkerConfig } from './config';
import { openQaDatabase } from './data/qa-database';
import { UsageStore, usagePrefix } from './data/usage-store';
import type { QaJob } from './domain/qa-job';
import { AnalysisPool, documentProblemOf } from './jobs/analyse-documents';
import { createAnalysisProcessor, failStalledJob } from './jobs/analysis-processor';
import { analysisJobOptions, bullRedis, queueTelemetry, type AnalysisJobData } from './jobs/analysis-queue';
import { JobChangePublisher, jobChangesChannel } from './jobs/job-changes';
import { JobState } from './jobs/job-state';

const MB = 1024 * 1024;

export type RunningWorker = RunningProcess & { config: WorkerConfig };

const qaWorker = startService('qa-worker', loadWorkerConfig, async (setup) => {
  const { config, logger, metrics } = setup;
  const jobMetrics = {
    completed: metrics.counter('qa_jobs_completed_total', 'QA jobs completed'),
    failed: metrics.counter('qa_jobs_failed_total', 'QA jobs failed for good, by reason', ['reason']),
    duration: metrics.histogram(
      'qa_job_duration_seconds',
      'QA job processing time, from start to result',
      ['outcome'],
      [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300],
    ),
    retried: metrics.counter('qa_job_retries_total', 'Attempts of analysis jobs that failed and are tried again'),
  };
  // Where a job's time goes: the analysis process's stages (parse-resume, parse-jd, analyse) and the model's questions.
  const stageDuration = metrics.histogram(
    'qa_job_stage_duration_seconds',
    'Time of one stage of an analysis job, measured in the analysis process',
    ['stage'],
    [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
  );

  const { connection, jobs, files, indexesOrTimeout } = openQaDatabase(setup);
  const redis = setup.ownRedis(bullRedis(config.REDIS_URL, logger, `qa-worker:${config.QA_QUEUE_NAME}`, 'worker'), 'worker');
  const bus = setup.eventBus();
  await bus.start();
  await indexesOrTimeout();

  // Its own connection: the worker's may be held by BullMQ's blocking reads. Auto-pipelined: a
  // finishing job's change and the release of its quota place go out in one write.
  const publisher = setup.ownRedis(
    bullRedis(config.REDIS_URL, logger, `qa-worker-changes:${config.QA_QUEUE_NAME}`, 'producer', { enableAutoPipelining: true }),
    'changes',
  );
  const changes = new JobChangePublisher(publisher, jobChangesChannel(config.QA_QUEUE_NAME), logger);
  // A finished job frees its place among its owner's queued and running jobs.
  const usage = new UsageStore(publisher, usagePrefix(config.QA_QUEUE_NAME));
  const releaseQuota = (job: QaJob) => usage.release('jobs', job.owner, job.id);
  // A job's end is written to the outbox right after the job's record, and relayed from there with confirms.
  const outbox = new EventOutbox<EventOf<'qa'>>(mongoOutboxStore(connection), bus, logger, {
    sweepMs: config.OUTBOX_SWEEP_MS,
    published: metrics.counter('qa_events_published_total', 'Domain events published from the outbox', ['type']),
  });
  outbox.start();
  setup.onStop('outbox relay', () => outbox.stop());
  // The one way a job's state changes: its record first, then Redis, BullMQ and the outbox from it.
  const state = new JobState({ jobs, outbox, changes, onFinished: releaseQuota, logger });
  // Only to look up the state of a job reported stalled; shares the worker's connection.
  const stalledLookup = new Queue<AnalysisJobData>(config.QA_QUEUE_NAME, { connection: redis, prefix: config.QA_QUEUE_PREFIX });
  stalledLookup.on('error', (err) => logger.warn({ err: String(err) }, 'queue error'));
  setup.onStop('stalled-job lookup', () => stalledLookup.close());
  // The queue's depth, for scaling and alerts: the same for every worker, read at each scrape.
  metrics.gauge('qa_queue_jobs', 'Jobs in the analysis queue by state', ['state'], async (gauge) => {
    if (redis.status !== 'ready') return;
    const counts = await withTimeout(stalledLookup.getJobCounts('waiting', 'active', 'delayed', 'failed'), 1000, 'queue counts').catch(
      () => undefined,
    );
    for (const [state, count] of Object.entries(counts ?? {})) gauge.set({ state }, count);
  });
  const pool = new AnalysisPool({
    processes: config.QA_WORKER_CONCURRENCY,
    timeoutMs: config.QA_ANALYSIS_TIMEOUT_MS,
    memoryMb: config.QA_ANALYSIS_MEMORY_MB,
    processMemoryMb: config.QA_ANALYSIS_PROCESS_MB,
    limits: {
      maxPages: config.QA_PDF_MAX_PAGES,
      timeoutMs: config.QA_PDF_TIMEOUT_MS,
      maxLineChars: config.QA_MAX_LINE_CHARS,
      maxChars: config.QA_MAX_TEXT_CHARS,
      maxStreamBytes: config.QA_PDF_MAX_STREAM_MB * MB,
      maxDecodedBytes: config.QA_PDF_MAX_DECODED_MB * MB,
      maxObjects: config.QA_PDF_MAX_OBJECTS,
      maxNesting: config.QA_PDF_MAX_NESTING,
    },
    ocr:
      config.QA_OCR === 'auto'
        ? {
            dpi: 200,
            maxPagePixels: config.QA_OCR_MAX_PAGE_MEGAPIXELS * 1_000_000,
            maxImagePixels: config.QA_OCR_MAX_IMAGE_MEGAPIXELS * 1_000_000,
            programMemoryMb: config.QA_OCR_PROGRAM_MB,
            parallelPages: config.QA_OCR_PARALLEL_PAGES,
          }
        : null,
    onStageTimed: (stage, seconds) => stageDuration.observe({ stage }, seconds),
    ...(config.QA_LLM_BASE_URL && config.QA_LLM_MODEL
      ? {
          llm: {
            baseUrl: config.QA_LLM_BASE_URL,
            model: config.QA_LLM_MODEL,
            timeoutMs: config.QA_LLM_TIMEOUT_MS,
            ...(config.QA_LLM_API_KEY ? { apiKey: config.QA_LLM_API_KEY } : {}),
          },
        }
      : {}),
  });
  setup.onStop('analysis processes', () => pool.close());
  if (!pool.hardLimits) logger.warn('prlimit (util-linux) is not installed: analysis processes and OCR run without OS memory limits');
  // Ready processes before jobs arrive; a failure here shows again, with its cause, on the first job.
  await pool.warmUp().catch((err: unknown) => logger.warn({ err: String(err) }, 'analysis processes could not warm up'));
  const keep = analysisJobOptions({ attempts: config.QA_JOB_ATTEMPTS, backoffMs: config.QA_JOB_BACKOFF_MS });
  const worker = new Worker<AnalysisJobData>(
    config.QA_QUEUE_NAME,
    createAnalysisProcessor({
      jobs,
      state,
      files,
      logger,
      metrics: jobMetrics,
      analyse: (resume, jd, onProgress) => pool.analyse(resume, jd, onProgress),
      documentProblemOf,
    }),
    {
      connection: redis,
      prefix: config.QA_QUEUE_PREFIX,
      ...queueTelemetry(),
      concurrency: config.QA_WORKER_CONCURRENCY,
      lockDuration: config.QA_LOCK_DURATION_MS,
      stalledInterval: config.QA_STALLED_INTERVAL_MS,
      maxStalledCount: config.QA_MAX_STALLED_COUNT,
      removeOnComplete: keep.removeOnComplete as { count: number; age: number },
      removeOnFail: keep.removeOnFail as { count: number },
    },
  );
  // Waits for the jobs in hand to finish (new ones are not taken), for as long as the shutdown allows.
  setup.onStop('worker', () => worker.close(), config.SHUTDOWN_TIMEOUT_MS);
  worker.on('error', (err) => logger.warn({ err: String(err) }, 'worker error'));
  worker.on('failed', (job, err) => {
    // A refused document is an outcome, not a fault of the worker.
    const level = err.name === 'UnrecoverableError' ? 'info' : 'warn';
    logger[level]({ jobId: job?.id, attemptsMade: job?.attemptsMade, err: err.message }, 'job attempt failed');
  });
  worker.on('stalled', (jobId) => {
    logger.warn({ jobId }, 'job stalled (its worker was lost); BullMQ puts it back or fails it');
    void (async () => {
      if ((await stalledLookup.getJobState(jobId)) === 'failed') {
        await failStalledJob({ state, metrics: jobMetrics }, jobId);
      }
    })().catch((err: unknown) => logger.warn({ err: String(err), jobId }, 'could not record a stalled job'));
  });

  await setup.serve(
    {
      // Jobs come from the queue's Redis and are kept in MongoDB; events wait in the outbox (in MongoDB) while the broker is away.
      dependencies: [dependency.mongodb(connection, 'required'), dependency.redis(redis, 'required'), dependency.rabbitmq(bus, 'degradable')],
      routes: () => undefined,
    },
    config.QA_WORKER_PORT,
    { queue: config.QA_QUEUE_NAME, concurrency: config.QA_WORKER_CONCURRENCY },
  );
  return { config };
});
/**
 * Starts a QA worker: takes analysis jobs from the BullMQ queue, and serves /health, /ready and
 * /metrics on QA_WORKER_PORT. Any number of workers may run against the same queue.
 */
export const start = qaWorker.start;
/** Stops every worker `start()` made in this process. */
export const stop = qaWorker.stop;

if (require.main === module) void qaWorker.run();

import { AppError, confirmWrites, connectRedis, tracingEnabled, withTimeout, type Logger, type RedisClient } from '@app/common';
import { Queue, type JobsOptions, type Telemetry } from 'bullmq';
import { BullMQOtel } from 'bullmq-otel';
import type { RedisOptions } from 'ioredis';

/** What goes into Redis for a job: ids only, never the documents (Redis keeps job data in clear text). */
export interface AnalysisJobData {
  jobId: string;
  owner: string;
  /** The ids of the stored resume and job description, so that the worker reads them while it marks the job started (absent on jobs queued by earlier versions). */
  fileIds?: { resume: string; jd: string };
  requestId?: string;
}

export const ANALYSIS_JOB_NAME = 'analyse';

export interface RetryPolicy {
  attempts: number;
  backoffMs: number;
}

export function analysisJobOptions(policy: RetryPolicy): JobsOptions {
  return {
    attempts: policy.attempts,
    backoff: { type: 'exponential', delay: policy.backoffMs },
    // Our own record of a job lives in MongoDB; BullMQ's copy is only needed while it runs.
    removeOnComplete: { count: 1000, age: 3600 },
    removeOnFail: { count: 5000 },
  };
}

/**
 * The common Redis client with BullMQ's settings: workers need `maxRetriesPerRequest: null` for
 * BullMQ's blocking calls; a producer keeps a bound so that a request does not wait on a dead Redis.
 */
export function bullRedis(url: string, logger: Logger, name: string, role: 'producer' | 'worker', options: RedisOptions = {}): RedisClient {
  // BullMQ's commands wait in the offline queue through a reconnect, as they do on a plain client.
  return connectRedis(url, logger, name, { maxRetriesPerRequest: role === 'worker' ? null : 1, enableOfflineQueue: true, ...options });
}

/**
 * BullMQ's own OpenTelemetry hooks, when this process traces: a job carries its producer's trace
 * context in its options, and the worker's processing continues that trace. Off, none.
 */
export function queueTelemetry(): { telemetry?: Telemetry } {
  return tracingEnabled() ? { telemetry: new BullMQOtel({ tracerName: 'bullmq' }) } : {};
}

const ENQUEUE_TIMEOUT_MS = 3000;
const REPLICA_ACK_TIMEOUT_MS = 1000;

/** The producer side of the analysis queue, used by the HTTP service. */
export class AnalysisQueue {
  readonly redis: RedisClient;
  private readonly queue: Queue<AnalysisJobData>;
  private closing?: Promise<void>;

  constructor(
    url: string,
    readonly name: string,
    /** BullMQ's key prefix (QA_QUEUE_PREFIX): the producer and every worker must use the same one. */
    prefix: string,
    private readonly policy: RetryPolicy,
    private readonly logger: Logger,
  ) {
    this.redis = bullRedis(url, logger, `qa-queue:${name}`, 'producer');
    this.queue = new Queue<AnalysisJobData>(name, { connection: this.redis, prefix, ...queueTelemetry() });
    this.queue.on('error', (err) => logger.warn({ err: String(err) }, 'queue error'));
  }

  /** Adds the job under our own id, so the same job can never be queued twice. */
  async enqueue(data: AnalysisJobData): Promise<void> {
    try {
      await withTimeout(
        (async () => {
          await this.queue.add(ANALYSIS_JOB_NAME, data, { ...analysisJobOptions(this.policy), jobId: data.jobId });
          // Through Sentinel, accepted only once a replica holds it: a failover then loses no accepted job.
          await confirmWrites(this.redis, REPLICA_ACK_TIMEOUT_MS);
        })(),
        ENQUEUE_TIMEOUT_MS,
        'enqueue',
      );
    } catch (err) {
      this.logger.warn({ err: String(err), jobId: data.jobId }, 'enqueue failed');
      throw AppError.unavailable('redis');
    }
  }

  /** Removes a job that has not started; an active job (locked by a worker) is left to finish and find its record gone. */
  async remove(jobId: string): Promise<void> {
    try {
      await withTimeout(this.queue.remove(jobId), ENQUEUE_TIMEOUT_MS, 'remove job');
    } catch (err) {
      this.logger.warn({ err: String(err), jobId }, 'could not remove queued job');
    }
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      await this.queue.close().catch((err) => this.logger.warn({ err: String(err) }, 'queue close failed'));
      await this.redis.quit().catch(() => this.redis.disconnect());
    })();
    return this.closing;
  }
}

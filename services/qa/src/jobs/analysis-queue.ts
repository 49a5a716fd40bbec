import { AppError, withTimeout, type Logger } from '@app/common';
import { Queue, type JobsOptions } from 'bullmq';
import { Redis, type RedisOptions } from 'ioredis';

/** What goes into Redis for a job: ids only, never the documents (Redis keeps job data in clear text). */
export interface AnalysisJobData {
  jobId: string;
  owner: string;
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
 * An ioredis client of our own for BullMQ (not the common `connectRedis`, whose one retry per command
 * does not suit BullMQ's blocking calls). Workers need `maxRetriesPerRequest: null`; a producer keeps
 * a bound so that a request does not wait on a dead Redis.
 */
export function bullRedis(url: string, logger: Logger, name: string, role: 'producer' | 'worker'): Redis {
  const options: RedisOptions = {
    connectionName: name,
    maxRetriesPerRequest: role === 'worker' ? null : 1,
    connectTimeout: 2000,
    retryStrategy: (times) => Math.min(times * 200, 2000),
  };
  const client = new Redis(url, options);
  let lastError = '';
  client.on('error', (err: Error) => {
    if (err.message !== lastError) logger.warn({ err: err.message, name }, 'redis error');
    lastError = err.message;
  });
  client.on('ready', () => {
    lastError = '';
    logger.info({ name }, 'connected to redis');
  });
  return client;
}

const ENQUEUE_TIMEOUT_MS = 3000;

/** The producer side of the analysis queue, used by the HTTP service. */
export class AnalysisQueue {
  readonly redis: Redis;
  private readonly queue: Queue<AnalysisJobData>;
  private closing?: Promise<void>;

  constructor(
    url: string,
    readonly name: string,
    private readonly policy: RetryPolicy,
    private readonly logger: Logger,
  ) {
    this.redis = bullRedis(url, logger, `qa-queue:${name}`, 'producer');
    this.queue = new Queue<AnalysisJobData>(name, { connection: this.redis });
    this.queue.on('error', (err) => logger.warn({ err: String(err) }, 'queue error'));
  }

  /** Adds the job under our own id, so the same job can never be queued twice. */
  async enqueue(data: AnalysisJobData): Promise<void> {
    try {
      await withTimeout(
        this.queue.add(ANALYSIS_JOB_NAME, data, { ...analysisJobOptions(this.policy), jobId: data.jobId }),
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

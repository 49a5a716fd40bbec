import type { Logger, RedisClient } from '@app/common';
import type { JobStatus } from '../domain/qa-job';
import { bullRedis } from './analysis-queue';

/**
 * Pushes a job's changes from the worker that made them to the API instances waiting on it, over
 * Redis pub/sub: `Prefer: wait` and the SSE stream wake on these instead of polling MongoDB. Sent
 * only by JobState, after the change is in the job's record: the record in MongoDB stays the truth
 * (a message may be lost while an instance reconnects), so the waiters keep a slow poll as a safety net.
 */

export interface JobChange {
  id: string;
  status: JobStatus;
  stage: string;
  progress: number;
  attempts: number;
}

export function jobChangesChannel(queueName: string): string {
  return `qa:${queueName}:job-changes`;
}

function parse(message: string): JobChange | null {
  try {
    // Another process wrote the message: id and status are checked, the other fields coerced.
    const value = JSON.parse(message) as Partial<Pick<JobChange, 'id' | 'status'>> &
      Partial<Record<'stage' | 'progress' | 'attempts', string | number | boolean | null>>;
    if (typeof value.id !== 'string' || typeof value.status !== 'string') return null;
    return {
      id: value.id,
      status: value.status,
      stage: String(value.stage ?? ''),
      progress: Number(value.progress ?? 0),
      attempts: Number(value.attempts ?? 0),
    };
  } catch {
    return null;
  }
}

/** The worker's side: one PUBLISH per change; a lost message only delays a waiter until its next poll. */
export class JobChangePublisher {
  constructor(
    private readonly redis: RedisClient,
    private readonly channel: string,
    private readonly logger: Logger,
  ) {}

  async publish(change: JobChange): Promise<void> {
    try {
      await this.redis.publish(this.channel, JSON.stringify(change));
    } catch (err) {
      this.logger.debug({ err: String(err), jobId: change.id }, 'could not announce a job change');
    }
  }
}

export type JobChangeListener = (change: JobChange) => void;

/** The API's side: one subscriber connection per instance, fanning messages out to the job's waiters. */
export class JobChanges {
  private readonly subscriber: RedisClient;
  private readonly listeners = new Map<string, Set<JobChangeListener>>();
  private closing?: Promise<void>;

  constructor(url: string, channel: string, logger: Logger) {
    this.subscriber = bullRedis(url, logger, `qa-changes:${channel}`, 'worker');
    this.subscriber.on('message', (_channel: string, message: string) => {
      const change = parse(message);
      if (!change) return;
      for (const listener of this.listeners.get(change.id) ?? []) listener(change);
    });
    // ioredis subscribes again by itself after a reconnect.
    this.subscriber.subscribe(channel).catch((err: unknown) => logger.warn({ err: String(err) }, 'could not subscribe to job changes'));
  }

  /** Calls `listener` with each change of job `id` until the returned function is called. */
  watch(id: string, listener: JobChangeListener): () => void {
    let set = this.listeners.get(id);
    if (!set) this.listeners.set(id, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0 && this.listeners.get(id) === set) this.listeners.delete(id);
    };
  }

  close(): Promise<void> {
    this.closing ??= this.subscriber.quit().then(
      () => undefined,
      () => this.subscriber.disconnect(),
    );
    return this.closing;
  }
}

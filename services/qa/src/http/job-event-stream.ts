import type { Logger } from '@app/common';
import type { Request, Response } from 'express';
import { isFinished, type QaJob } from '../domain/qa-job';
import type { JobStore, JobWatcher } from '../domain/ports';
import { jobView, progressView } from './job-view';

export interface JobEventStreamOptions {
  jobs: JobStore;
  /** Pushes the job's changes as workers make them. */
  changes: JobWatcher;
  /** The safety-net poll of the job's record, in case a pushed change is lost. */
  pollIntervalMs: number;
  heartbeatMs: number;
  logger: Logger;
}

export interface StreamHooks {
  /** At each heartbeat (keeps the stream's place in its owner's quota). */
  onHeartbeat?: () => Promise<void>;
  /** Once, when the stream ends either way. */
  onClose?: () => Promise<void>;
}

function changed(a: QaJob, b: QaJob): boolean {
  return a.status !== b.status || a.progress !== b.progress || a.stage !== b.stage || a.attempts !== b.attempts;
}

/**
 * Server-Sent Events for one job: `progress` events as the job moves, then one `completed` or
 * `failed` event and the end of the stream. The worker's pushed changes drive it; a slow poll of the
 * job's record in MongoDB (the truth, whichever instance and worker are involved) covers a lost one.
 */
export class JobEventStreams {
  private readonly open = new Set<() => void>();

  constructor(private readonly options: JobEventStreamOptions) {}

  stream(req: Request, res: Response, initial: QaJob, hooks: StreamHooks = {}): void {
    const { jobs, changes, pollIntervalMs, heartbeatMs, logger } = this.options;
    res.status(200);
    res.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
    res.setHeader('Cache-Control', 'no-cache, no-transform');
    res.setHeader('Connection', 'keep-alive');
    // Tells nginx-style proxies not to buffer the stream.
    res.setHeader('X-Accel-Buffering', 'no');
    res.flushHeaders();
    req.socket.setNoDelay(true);

    let closed = false;
    let pollTimer: NodeJS.Timeout | undefined;
    const send = (event: string, data: unknown) => {
      if (!closed) res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    };
    let unwatch = () => undefined as void;
    const close = () => {
      if (closed) return;
      closed = true;
      unwatch();
      clearTimeout(pollTimer);
      clearInterval(heartbeat);
      this.open.delete(close);
      res.end();
      void hooks.onClose?.().catch((err: unknown) => logger.debug({ err: String(err) }, 'stream close hook failed'));
    };
    const finish = (job: QaJob) => {
      send('progress', progressView(job));
      send(job.status, jobView(job));
      close();
    };

    const heartbeat = setInterval(() => {
      if (closed) return;
      res.write(': heartbeat\n\n');
      void hooks.onHeartbeat?.().catch((err: unknown) => logger.debug({ err: String(err) }, 'stream heartbeat hook failed'));
    }, heartbeatMs);
    this.open.add(close);
    req.once('close', close);
    res.once('close', close);

    res.write('retry: 3000\n\n');
    if (isFinished(initial.status)) {
      finish(initial);
      return;
    }
    send('progress', progressView(initial));

    let last = initial;
    let reading = false;
    let readAgain = false;
    // One read at a time; a change arriving during a read asks for one more.
    const poll = async (): Promise<void> => {
      if (closed) return;
      if (reading) {
        readAgain = true;
        return;
      }
      reading = true;
      clearTimeout(pollTimer);
      try {
        const current = await jobs.findOwned(last.id, last.owner);
        // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- close() may run while the read is awaited
        if (closed) return;
        if (!current) {
          // Deleted while watched: nothing more will happen to it.
          close();
          return;
        }
        if (isFinished(current.status)) {
          finish(current);
          return;
        }
        // The record's progress is written at most once a second, so it can lag behind a change
        // already pushed: within one attempt, a stream's progress never moves back.
        const next =
          current.attempts === last.attempts && current.progress < last.progress
            ? { ...current, stage: last.stage, progress: last.progress }
            : current;
        if (changed(last, next)) send('progress', progressView(next));
        last = next;
      } catch (err) {
        logger.debug({ err: String(err) }, 'job read failed; keeping the stream open');
      } finally {
        reading = false;
      }
      // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- close() may run while the read is awaited
      if (closed) return;
      if (readAgain) {
        readAgain = false;
        void poll();
        return;
      }
      pollTimer = setTimeout(() => void poll(), pollIntervalMs);
    };
    unwatch = changes.watch(initial.id, (change) => {
      if (closed) return;
      if (isFinished(change.status)) {
        // The final event carries the whole job (its result), which only the record has.
        void poll();
        return;
      }
      const next = {
        ...last,
        status: change.status,
        stage: change.stage,
        progress: Math.max(last.progress, change.progress),
        attempts: change.attempts,
      };
      if (changed(last, next)) send('progress', progressView(next));
      last = next;
    });
    // Read once now that changes are watched: one made before the watch began is not missed.
    void poll();
  }

  /** Ends every open stream, so that stopping the server does not wait on them. */
  closeAll(): void {
    for (const close of [...this.open]) close();
  }
}

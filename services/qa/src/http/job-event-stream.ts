import type { Logger } from '@app/common';
import type { Request, Response } from 'express';
import { isFinished, type QaJob } from '../domain/qa-job';
import type { QaJobRepository } from '../data/qa-job-repository';
import { jobView, progressView } from './job-view';

export interface JobEventStreamOptions {
  jobs: QaJobRepository;
  pollIntervalMs: number;
  heartbeatMs: number;
  logger: Logger;
}

function changed(a: QaJob, b: QaJob): boolean {
  return a.status !== b.status || a.progress !== b.progress || a.stage !== b.stage || a.attempts !== b.attempts;
}

/**
 * Server-Sent Events for one job: `progress` events as the job moves, then one `completed` or
 * `failed` event and the end of the stream. It polls the job's record in MongoDB, which sees the
 * work of every worker whichever instance serves the stream.
 */
export class JobEventStreams {
  private readonly open = new Set<() => void>();

  constructor(private readonly options: JobEventStreamOptions) {}

  stream(req: Request, res: Response, initial: QaJob): void {
    const { jobs, pollIntervalMs, heartbeatMs, logger } = this.options;
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
    const close = () => {
      if (closed) return;
      closed = true;
      clearTimeout(pollTimer);
      clearInterval(heartbeat);
      this.open.delete(close);
      res.end();
    };
    const finish = (job: QaJob) => {
      send('progress', progressView(job));
      send(job.status, jobView(job));
      close();
    };

    const heartbeat = setInterval(() => {
      if (!closed) res.write(': heartbeat\n\n');
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
    const poll = async () => {
      if (closed) return;
      try {
        const current = await jobs.findOwned(last.id, last.owner);
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
        if (changed(last, current)) send('progress', progressView(current));
        last = current;
      } catch (err) {
        logger.debug({ err: String(err) }, 'job poll failed; keeping the stream open');
      }
      if (!closed) pollTimer = setTimeout(() => void poll(), pollIntervalMs);
    };
    pollTimer = setTimeout(() => void poll(), pollIntervalMs);
  }

  /** Ends every open stream, so that stopping the server does not wait on them. */
  closeAll(): void {
    for (const close of [...this.open]) close();
  }
}

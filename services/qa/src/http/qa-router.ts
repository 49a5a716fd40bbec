import { randomUUID } from 'node:crypto';
import {
  AppError,
  allowedMethods,
  callerOf,
  methodNotAllowed,
  parseRequestPart,
  requireIdentity,
  type IdentityKeys,
  type Logger,
  type Metrics,
} from '@app/common';
import { Router, type Request, type Response } from 'express';
import type { DocumentUploads as FileStore } from '../domain/ports';
import { isFinished, isJobId } from '../domain/qa-job';
import type { QaJobService } from '../domain/qa-job-service';
import type { UsageLimits } from '../domain/usage-limits';
import type { JobEventStreams } from './job-event-stream';
import { HeldRequests } from './held-requests';
import { jobLocation, jobView } from './job-view';
import { qaOperations } from '../openapi';
import { getJobQuery, listJobsQuery } from './qa-contract';
import { receiveDocuments } from './upload-receiver';

export interface QaRouterOptions {
  identitySecret: IdentityKeys;
  service: QaJobService;
  limits: UsageLimits;
  files: FileStore;
  streams: JobEventStreams;
  logger: Logger;
  metrics: Metrics;
  maxFileBytes: number;
  maxWaitSeconds: number;
  /** `Prefer: wait` uploads and event streams this instance holds at once, for all users together. */
  maxHeldRequests: number;
  openapi: unknown;
  /** Aborted when the service stops: waiting requests answer 202 at once instead of holding the shutdown. */
  shutdown: AbortSignal;
}

/**
 * `Prefer: wait=N` (RFC 7240), N in seconds, bounded by `max`; undefined when the client did not ask.
 * Other preferences in the same header (respond-async, return=...) are ignored.
 */
export function preferredWait(header: string | string[] | undefined, max: number): number | undefined {
  const values = Array.isArray(header) ? header : header ? [header] : [];
  for (const value of values) {
    for (const token of value.split(/[,;]/)) {
      const match = /^\s*wait\s*=\s*"?(\d{1,9})"?\s*$/i.exec(token);
      if (match) return Math.min(Number(match[1]), max);
    }
  }
  return undefined;
}

function jobIdOf(req: Request): string {
  const id = String(req.params.id ?? '');
  // Not one of our ids: it cannot name a job of this caller.
  if (!isJobId(id)) throw AppError.notFound('No such job');
  return id;
}

export function qaRouter(options: QaRouterOptions): Router {
  const { service, streams, metrics } = options;
  const router = Router();
  const held = new HeldRequests(options.maxHeldRequests);
  metrics.gauge(
    'qa_held_requests',
    'Prefer: wait uploads and event streams this instance holds open (bound: QA_MAX_HELD_REQUESTS)',
    [],
    async (gauge) => {
      gauge.set(held.count);
    },
  );
  const identified = requireIdentity(options.identitySecret);
  const submitted = metrics.counter('qa_jobs_submitted_total', 'QA uploads accepted, by whether they made a new job', ['outcome']);
  const refused = metrics.counter('qa_uploads_refused_total', 'QA uploads refused, by status', ['status']);

  router.get('/openapi.json', (_req, res) => {
    res.json(options.openapi);
  });

  router.post('/qa/generate', identified, async (req: Request, res: Response) => {
    const caller = callerOf(req);
    const wait = preferredWait(req.headers.prefer, options.maxWaitSeconds);
    const id = service.newJobId();
    const { limits } = options;
    let files;
    let reserved = false;
    try {
      // The instance's bound on held requests, then both quotas, are checked before the body is
      // read: a refused upload costs no storage.
      if (wait) held.holdUntilClosed(res);
      const announced = Number(req.headers['content-length'] ?? 0);
      await limits.reserveUpload(caller.userId, id, Number.isSafeInteger(announced) && announced > 0 ? announced : 0);
      reserved = true;
      files = await receiveDocuments(req, {
        maxFileBytes: options.maxFileBytes,
        store: options.files,
        owner: caller.userId,
        jobId: id,
        logger: options.logger,
      });
    } catch (err) {
      if (reserved) await limits.releaseJob(caller.userId, id).catch(() => undefined);
      // The body was not read to its end: close the connection after answering instead of reading on.
      if (!req.complete) res.setHeader('Connection', 'close');
      refused.inc({ status: String(err instanceof AppError ? err.status : 500) });
      throw err;
    }
    const bytes = files.resume.size + files.jd.size;
    // Listening starts before the job is queued: a job can finish before this answer is ready.
    const watch = wait ? service.watchFinish(id) : undefined;
    let submission;
    try {
      submission = await service.submit({ id, owner: caller.userId, files, requestId: req.id });
    } catch (err) {
      watch?.stop();
      await limits.recordUpload(caller.userId, bytes).catch(() => undefined);
      await limits.releaseJob(caller.userId, id).catch(() => undefined);
      throw err;
    }
    const { job, created } = submission;
    let current = job;
    try {
      // The bytes count either way. An earlier job answered (deduplicated): it holds its own place and
      // expiry, so this one's place is given back.
      if (created) await limits.recordUpload(caller.userId, bytes, job);
      else await Promise.all([limits.recordUpload(caller.userId, bytes), limits.releaseJob(caller.userId, id)]);
      submitted.inc({ outcome: created ? 'created' : 'deduplicated' });

      if (wait && !isFinished(job.status)) {
        const gone = new AbortController();
        const onClose = () => gone.abort();
        res.once('close', onClose);
        const signal = AbortSignal.any([gone.signal, options.shutdown]);
        // A new job is as it was just written; an earlier one (deduplicated) is watched and read afresh.
        const waited =
          created && watch
            ? watch.until(caller.userId, wait * 1000, signal, job)
            : service.waitUntilFinished(job.id, caller.userId, wait * 1000, signal);
        current = (await waited) ?? job;
        res.off('close', onClose);
      }
    } finally {
      watch?.stop();
    }
    if (wait !== undefined) res.setHeader('Preference-Applied', `wait=${wait}`);
    res.setHeader('Location', jobLocation(job.id));
    if (isFinished(current.status)) {
      // A deduplicated upload found the earlier job without its result: read it whole.
      if (current.status === 'completed' && current.result === null) current = await service.get(job.id, caller.userId);
      res.status(200).json(jobView(current));
    } else {
      res.status(202).json({ id: current.id, status: current.status });
    }
  });

  router.get('/qa/jobs', identified, async (req, res) => {
    const caller = callerOf(req);
    const { page = 1, limit = 20 } = parseRequestPart(listJobsQuery, req.query, 'query');
    const { items, total } = await service.list(caller.userId, page, limit);
    res.json({ items: items.map((job) => jobView(job, { withResult: false })), page, limit, total });
  });

  router.get('/qa/jobs/:id', identified, async (req, res) => {
    const id = jobIdOf(req);
    const { include } = parseRequestPart(getJobQuery, req.query, 'query');
    const job = await service.get(id, callerOf(req).userId);
    res.json(jobView(job, { withLines: include === 'lines' }));
  });

  router.get('/qa/jobs/:id/events', identified, async (req, res) => {
    const owner = callerOf(req).userId;
    const job = await service.get(jobIdOf(req), owner);
    held.holdUntilClosed(res);
    const streamId = randomUUID();
    await options.limits.reserveStream(owner, streamId);
    streams.stream(req, res, job, {
      onHeartbeat: () => options.limits.refreshStream(owner, streamId),
      onClose: () => options.limits.releaseStream(owner, streamId),
    });
  });

  router.delete('/qa/jobs/:id', identified, async (req, res) => {
    const id = jobIdOf(req);
    const owner = callerOf(req).userId;
    await service.remove(id, owner);
    await options.limits.releaseJob(owner, id).catch(() => undefined);
    res.status(204).end();
  });

  // After every route: a known path asked with a method it does not have.
  for (const [path, allow] of allowedMethods(qaOperations)) router.all(path.replace('{id}', ':id'), methodNotAllowed(allow));

  return router;
}

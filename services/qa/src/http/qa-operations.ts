import { randomUUID } from 'node:crypto';
import { AppError, callerOf, parseRequestPart, type HeaderSpec, type Logger, type Operation } from '@app/common';
import type { Request } from 'express';
import { z } from 'zod';
import type { DocumentUploads } from '../domain/ports';
import { isFinished, isJobId } from '../domain/qa-job';
import type { QaJobService } from '../domain/qa-job-service';
import type { UsageLimits } from '../domain/usage-limits';
import type { HeldRequests } from './held-requests';
import type { JobEventStreams } from './job-event-stream';
import { jobLocation, jobView } from './job-view';
import { getJobQuery, jobAcceptedAnswer, jobAnswer, jobIdParam, jobPageAnswer, listJobsQuery, preferHeader, uploadBody } from './qa-contract';
import { receiveDocuments } from './upload-receiver';

/** What the QA operations work with. */
export interface QaContext {
  service: QaJobService;
  limits: UsageLimits;
  files: DocumentUploads;
  streams: JobEventStreams;
  logger: Logger;
  maxFileBytes: number;
  maxWaitSeconds: number;
  /** `Prefer: wait` uploads and event streams this instance holds open, for all users together. */
  held: HeldRequests;
  /** Uploads accepted, by whether they made a new job. */
  submitted: { inc(labels: { outcome: 'created' | 'deduplicated' }): void };
  /** Uploads refused, by status. */
  refused: { inc(labels: { status: string }): void };
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

const tags = ['qa'];
const jobId = { id: { schema: jobIdParam, description: 'The job id (a UUID) from the Location header of POST /qa/generate' } };
const noSuchJob = 'No such job for this user';
// Not `required`: a 503 for a dependency that is down has none.
const retryAfterWhenFull: Record<string, HeaderSpec> = {
  'Retry-After': { description: 'With `at_capacity`: seconds to wait before trying again', schema: z.string().regex(/^[1-9][0-9]*$/) },
};
const heldRequests =
  'A dependency is unavailable, or (`at_capacity`, with Retry-After) the instance already holds QA_MAX_HELD_REQUESTS ' +
  '`Prefer: wait` uploads and event streams for all users together, or the gateway its bound of them; an upload is refused before its body is read';
const followJob: Record<string, HeaderSpec> = {
  Location: { description: 'Where to follow the job: /qa/jobs/{id}', schema: z.string(), required: true },
  'Preference-Applied': { description: 'The wait honoured, e.g. `wait=30`, when `Prefer: wait` was sent', schema: z.string() },
};

const generate: Operation<QaContext> = {
  method: 'post',
  path: '/qa/generate',
  operationId: 'generateQuestions',
  summary: 'Upload a resume and a job description; start generating interview questions',
  description:
    'Both files are required and must be PDFs by content (they start with `%PDF-`), each at most 5 MB ' +
    '(QA_MAX_FILE_BYTES). No other parts or fields are accepted. Uploading the same two files again within ' +
    'the dedup window (QA_DEDUP_WINDOW_SECONDS, 10 minutes) answers with the earlier job instead of a new one. ' +
    'A file that starts like a PDF but cannot be read makes a job that fails with `invalid_document`.',
  tags,
  headers: { Prefer: { schema: preferHeader } },
  // Streamed to storage by the handler as it arrives, never parsed into memory.
  body: {
    required: true,
    content: { 'multipart/form-data': uploadBody },
    encoding: { resume: { contentType: 'application/pdf' }, jd: { contentType: 'application/pdf' } },
  },
  responses: {
    200: {
      description: 'The job finished within the `Prefer: wait` time (or an identical earlier upload had finished)',
      body: jobAnswer,
      headers: followJob,
    },
    202: { description: 'Accepted: the job is queued (or still running). Follow the Location.', body: jobAcceptedAnswer, headers: followJob },
  },
  errors: {
    400: 'A part is missing, an unknown part or a text field was sent, or the multipart body is malformed',
    413: 'A file is larger than the limit; the upload was stopped',
    415: 'The request is not multipart/form-data, or a part is not a PDF',
    429:
      'Too many requests, or a quota (`quota_exceeded`, checked before the body is read): QA_MAX_ACTIVE_JOBS_PER_USER jobs ' +
      'queued or running (`active_jobs`), or QA_MAX_UPLOAD_BYTES_PER_DAY (`upload_bytes_per_day`; Retry-After runs to 00:00 UTC). ' +
      'error.details.limit names the limit',
    503: heldRequests,
  },
  errorHeaders: { 503: retryAfterWhenFull },
  async handle(req, res, context) {
    const { service, limits, held } = context;
    const caller = callerOf(req);
    const wait = preferredWait(req.headers.prefer, context.maxWaitSeconds);
    const id = service.newJobId();
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
        maxFileBytes: context.maxFileBytes,
        store: context.files,
        owner: caller.userId,
        jobId: id,
        logger: context.logger,
      });
    } catch (err) {
      if (reserved) await limits.releaseJob(caller.userId, id).catch(() => undefined);
      // The body was not read to its end: close the connection after answering instead of reading on.
      if (!req.complete) res.setHeader('Connection', 'close');
      context.refused.inc({ status: String(err instanceof AppError ? err.status : 500) });
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
      context.submitted.inc({ outcome: created ? 'created' : 'deduplicated' });

      if (wait && !isFinished(job.status)) {
        const gone = new AbortController();
        const onClose = () => gone.abort();
        res.once('close', onClose);
        const signal = AbortSignal.any([gone.signal, context.shutdown]);
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
  },
};

/** Every operation of the QA service: its routes and its OpenAPI document are both made from this list. */
export const qaOperations: Operation<QaContext>[] = [
  generate,
  {
    method: 'get',
    path: '/qa/jobs',
    operationId: 'listQaJobs',
    summary: "The caller's jobs, newest first (without results)",
    tags,
    query: listJobsQuery,
    responses: { 200: { description: 'A page of jobs', body: jobPageAnswer } },
    async handle(req, res, { service }) {
      const caller = callerOf(req);
      const { page = 1, limit = 20 } = parseRequestPart(listJobsQuery, req.query, 'query');
      const { items, total } = await service.list(caller.userId, page, limit);
      res.json({ items: items.map((job) => jobView(job, { withResult: false })), page, limit, total });
    },
  },
  {
    method: 'get',
    path: '/qa/jobs/{id}',
    operationId: 'getQaJob',
    summary: 'A job: status, progress, timings, and the result once completed',
    description:
      'The result cites resume and job lines as evidence, contact details (e-mail addresses, phone numbers, postal addresses, ' +
      'links, payment card numbers, national identifiers) redacted. `include=lines` adds every line of both documents, redacted alike.',
    tags,
    path_params: jobId,
    query: getJobQuery,
    responses: { 200: { description: 'The job', body: jobAnswer } },
    errors: { 404: noSuchJob },
    async handle(req, res, { service }) {
      const id = jobIdOf(req);
      const { include } = parseRequestPart(getJobQuery, req.query, 'query');
      const job = await service.get(id, callerOf(req).userId);
      res.json(jobView(job, { withLines: include === 'lines' }));
    },
  },
  {
    method: 'delete',
    path: '/qa/jobs/{id}',
    operationId: 'deleteQaJob',
    summary: 'Delete a job, its result and its uploaded files (a queued job is taken off the queue)',
    tags,
    path_params: jobId,
    responses: { 204: { description: 'Deleted' } },
    errors: { 404: noSuchJob },
    async handle(req, res, { service, limits }) {
      const id = jobIdOf(req);
      const owner = callerOf(req).userId;
      await service.remove(id, owner);
      await limits.releaseJob(owner, id).catch(() => undefined);
      res.status(204).end();
    },
  },
  {
    method: 'get',
    path: '/qa/jobs/{id}/events',
    operationId: 'streamQaJobEvents',
    summary: "Server-Sent Events with the job's progress",
    description:
      '`event: progress` (data: QaJobProgress) whenever the job moves, then one `event: completed` or ' +
      '`event: failed` (data: QaJob) and the stream ends. A comment line is sent every 15 seconds as a heartbeat.',
    tags,
    path_params: jobId,
    responses: {
      200: {
        description: 'An event stream',
        headers: { 'Cache-Control': { schema: z.literal('no-cache, no-transform'), required: true } },
        content: {
          'text/event-stream': {
            type: 'object',
            description:
              'Each event: `event: progress` with a QaJobProgress, then one `event: completed` or `event: failed` with the QaJob, and the stream ends.',
            required: ['data'],
            properties: {
              event: { type: 'string', enum: ['progress', 'completed', 'failed'] },
              data: {
                type: 'string',
                contentMediaType: 'application/json',
                contentSchema: { anyOf: [{ $ref: '#/components/schemas/QaJobProgress' }, { $ref: '#/components/schemas/QaJob' }] },
              },
              retry: { type: 'integer', minimum: 0 },
            },
          },
        },
      },
    },
    errors: {
      404: noSuchJob,
      429: 'Too many requests, or QA_MAX_STREAMS_PER_USER event streams already open (`quota_exceeded`, `open_streams`)',
      503: heldRequests,
    },
    errorHeaders: { 503: retryAfterWhenFull },
    async handle(req, res, { service, streams, limits, held }) {
      const owner = callerOf(req).userId;
      const job = await service.get(jobIdOf(req), owner);
      held.holdUntilClosed(res);
      const streamId = randomUUID();
      await limits.reserveStream(owner, streamId);
      streams.stream(req, res, job, {
        onHeartbeat: () => limits.refreshStream(owner, streamId),
        onClose: () => limits.releaseStream(owner, streamId),
      });
    },
  },
];

import { buildOpenApiDocument, type HeaderSpec, type OperationSpec } from '@app/common';
import { z } from 'zod';
import {
  jobAcceptedAnswer,
  jobAnswer,
  jobIdParam,
  jobPageAnswer,
  jobProgressAnswer,
  getJobQuery,
  listJobsQuery,
  preferHeader,
  uploadBody,
} from './http/qa-contract';

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

/** Every operation of the QA service, as routed: the router's `Allow` headers come from here too. */
export const qaOperations: OperationSpec[] = [
  {
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
  },
  {
    method: 'get',
    path: '/qa/jobs',
    operationId: 'listQaJobs',
    summary: "The caller's jobs, newest first (without results)",
    tags,
    query: listJobsQuery,
    responses: { 200: { description: 'A page of jobs', body: jobPageAnswer } },
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
  },
];

/** The QA service's OpenAPI 3.1 document (served at /openapi.json, merged by the gateway). */
export function qaOpenApi() {
  return buildOpenApiDocument({
    title: 'QA service',
    description:
      'A resume and a job description (both PDF) in, a match report and interview questions out. ' +
      'Uploads are processed asynchronously by workers; follow the job by polling, by `Prefer: wait=N` or by Server-Sent Events.',
    tags: [{ name: 'qa', description: 'Interview questions from a resume and a job description' }],
    operations: qaOperations,
    // The event stream's progress records: no JSON answer carries them, so they are named here.
    schemas: [jobProgressAnswer],
  });
}

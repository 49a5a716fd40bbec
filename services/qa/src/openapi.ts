import { errorBodySchema } from '@app/common';
/** The QA service's part of the API description (OpenAPI 3.1); the gateway merges it into /openapi.json. */

const errorResponse = (description: string) => ({
  description,
  content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
});

const jobIdParameter = {
  name: 'id',
  in: 'path',
  required: true,
  description: 'The job id (a UUID) from the Location header of POST /qa/generate.',
  schema: { type: 'string', format: 'uuid' },
};

const quotaError = (description: string) => ({
  description: `${description} The body's error.code is \`quota_exceeded\` and error.details.limit names the limit.`,
  headers: { 'Retry-After': { description: 'Seconds to wait before asking again.', schema: { type: 'integer', minimum: 1 } } },
  content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
});

const identityErrors = {
  '401': errorResponse('Missing, invalid or expired token.'),
  '503': errorResponse('A dependency (MongoDB, Redis) is unavailable; try again.'),
};

export const openapi = {
  openapi: '3.1.0',
  info: {
    title: 'QA service',
    version: '0.1.0',
    description:
      'A resume and a job description (both PDF) in, a match report and interview questions out. ' +
      'Uploads are processed asynchronously by workers; follow the job by polling, by `Prefer: wait=N` or by Server-Sent Events.',
  },
  security: [{ OAuth2PasswordBearer: [] }],
  tags: [{ name: 'qa', description: 'Interview questions from a resume and a job description' }],
  paths: {
    '/qa/generate': {
      post: {
        tags: ['qa'],
        operationId: 'generateQuestions',
        summary: 'Upload a resume and a job description; start generating interview questions',
        description:
          'Both files are required and must be PDFs by content (they start with `%PDF-`), each at most 5 MB ' +
          '(QA_MAX_FILE_BYTES). No other parts or fields are accepted. Uploading the same two files again within ' +
          'the dedup window (QA_DEDUP_WINDOW_SECONDS, 10 minutes) answers with the earlier job instead of a new one.',
        parameters: [
          {
            name: 'Prefer',
            in: 'header',
            required: false,
            description:
              'RFC 7240 `wait=N`: wait up to N seconds (at most 60) for the job to finish. If it finishes in time ' +
              'the answer is 200 with the finished job, otherwise 202. The honoured wait is echoed in Preference-Applied.',
            schema: { type: 'string', examples: ['wait=30'] },
          },
        ],
        requestBody: {
          required: true,
          content: {
            'multipart/form-data': {
              schema: {
                type: 'object',
                required: ['resume', 'jd'],
                additionalProperties: false,
                properties: {
                  resume: { type: 'string', format: 'binary', contentMediaType: 'application/pdf', description: "The candidate's resume (PDF)." },
                  jd: { type: 'string', format: 'binary', contentMediaType: 'application/pdf', description: 'The job description (PDF).' },
                },
              },
              encoding: {
                resume: { contentType: 'application/pdf' },
                jd: { contentType: 'application/pdf' },
              },
            },
          },
        },
        responses: {
          '200': {
            description: 'The job finished within the `Prefer: wait` time (or an identical earlier upload had finished).',
            headers: {
              Location: { $ref: '#/components/headers/JobLocation' },
              'Preference-Applied': { $ref: '#/components/headers/PreferenceApplied' },
            },
            content: { 'application/json': { schema: { $ref: '#/components/schemas/QaJob' } } },
          },
          '202': {
            description: 'Accepted: the job is queued (or still running). Follow the Location.',
            headers: {
              Location: { $ref: '#/components/headers/JobLocation' },
              'Preference-Applied': { $ref: '#/components/headers/PreferenceApplied' },
            },
            content: { 'application/json': { schema: { $ref: '#/components/schemas/JobAccepted' } } },
          },
          '400': errorResponse('A part is missing, an unknown part or a text field was sent, or the multipart body is malformed.'),
          '413': errorResponse('A file is larger than the limit; the upload was stopped.'),
          '415': errorResponse('The request is not multipart/form-data, or a part is not a PDF.'),
          '429': quotaError(
            'The caller already has QA_MAX_ACTIVE_JOBS_PER_USER jobs queued or running (`active_jobs`), or this upload would ' +
              'pass QA_MAX_UPLOAD_BYTES_PER_DAY (`upload_bytes_per_day`; Retry-After runs to 00:00 UTC). Checked before the body is read.',
          ),
          ...identityErrors,
        },
      },
    },
    '/qa/jobs': {
      get: {
        tags: ['qa'],
        operationId: 'listQaJobs',
        summary: "The caller's jobs, newest first (without results)",
        parameters: [
          { name: 'limit', in: 'query', required: false, schema: { type: 'integer', minimum: 1, maximum: 100, default: 20 } },
          { name: 'page', in: 'query', required: false, schema: { type: 'integer', minimum: 1, default: 1 } },
        ],
        responses: {
          '200': {
            description: 'A page of jobs.',
            content: {
              'application/json': {
                schema: {
                  type: 'object',
                  required: ['items', 'page', 'limit', 'total'],
                  properties: {
                    items: { type: 'array', items: { $ref: '#/components/schemas/QaJobSummary' } },
                    page: { type: 'integer' },
                    limit: { type: 'integer' },
                    total: { type: 'integer' },
                  },
                },
              },
            },
          },
          '400': errorResponse('Invalid limit or page.'),
          ...identityErrors,
        },
      },
    },
    '/qa/jobs/{id}': {
      get: {
        tags: ['qa'],
        operationId: 'getQaJob',
        summary: 'A job: status, progress, timings, and the result once completed',
        parameters: [jobIdParameter],
        responses: {
          '200': { description: 'The job.', content: { 'application/json': { schema: { $ref: '#/components/schemas/QaJob' } } } },
          '404': errorResponse('No such job for this user.'),
          ...identityErrors,
        },
      },
      delete: {
        tags: ['qa'],
        operationId: 'deleteQaJob',
        summary: 'Delete a job, its result and its uploaded files (a queued job is taken off the queue)',
        parameters: [jobIdParameter],
        responses: {
          '204': { description: 'Deleted.' },
          '404': errorResponse('No such job for this user.'),
          ...identityErrors,
        },
      },
    },
    '/qa/jobs/{id}/events': {
      get: {
        tags: ['qa'],
        operationId: 'streamQaJobEvents',
        summary: "Server-Sent Events with the job's progress",
        description:
          '`event: progress` (data: QaJobProgress) whenever the job moves, then one `event: completed` or ' +
          '`event: failed` (data: QaJob) and the stream ends. A comment line is sent every 15 seconds as a heartbeat.',
        parameters: [jobIdParameter],
        responses: {
          '200': {
            description: 'An event stream.',
            headers: {
              'Cache-Control': { schema: { type: 'string', const: 'no-cache, no-transform' } },
              'X-Accel-Buffering': { schema: { type: 'string', const: 'no' } },
            },
            content: {
              'text/event-stream': {
                schema: {
                  type: 'string',
                  description:
                    'Lines `event: progress|completed|failed` and `data: <JSON>`; progress data is a QaJobProgress, the final data a QaJob.',
                },
              },
            },
          },
          '404': errorResponse('No such job for this user.'),
          '429': quotaError('The caller already holds QA_MAX_STREAMS_PER_USER open event streams (`open_streams`).'),
          ...identityErrors,
        },
      },
    },
  },
  components: {
    securitySchemes: {
      OAuth2PasswordBearer: {
        type: 'oauth2',
        flows: { password: { tokenUrl: '/auth/login', scopes: {} } },
      },
    },
    headers: {
      JobLocation: { description: 'Where to follow the job: /qa/jobs/{id}.', schema: { type: 'string' } },
      PreferenceApplied: { description: 'The wait honoured, e.g. `wait=30`.', schema: { type: 'string' } },
    },
    schemas: {
      Error: errorBodySchema,
      JobAccepted: {
        type: 'object',
        required: ['id', 'status'],
        properties: {
          id: { type: 'string', format: 'uuid' },
          status: { type: 'string', enum: ['queued', 'active'] },
        },
      },
      JobStatus: { type: 'string', enum: ['queued', 'active', 'completed', 'failed'] },
      StoredFile: {
        type: 'object',
        required: ['name', 'size', 'sha256'],
        properties: {
          name: { type: 'string' },
          size: { type: 'integer', description: 'Bytes.' },
          sha256: { type: 'string', pattern: '^[0-9a-f]{64}$' },
        },
      },
      JobError: {
        type: 'object',
        required: ['reason', 'message', 'files'],
        properties: {
          reason: { type: 'string', description: '`invalid_document` (a bad upload, not retried) or `processing_failed`.' },
          message: { type: 'string' },
          files: { type: 'array', items: { type: 'string', enum: ['resume', 'jd'] } },
          problems: {
            type: 'array',
            items: {
              type: 'object',
              properties: {
                file: { type: 'string', enum: ['resume', 'jd'] },
                reason: {
                  type: 'string',
                  description:
                    'encrypted, no_text (no text layer, and OCR found none or is off), malformed, too_many_pages, ' +
                    'too_much_text (QA_MAX_TEXT_CHARS), line_too_long (QA_MAX_LINE_CHARS), timeout (QA_ANALYSIS_TIMEOUT_MS) ' +
                    'or memory_limit (QA_ANALYSIS_MEMORY_MB). None is retried; the message names the file and the limit.',
                },
                message: { type: 'string' },
              },
            },
          },
        },
      },
      DocumentSummary: {
        type: 'object',
        required: ['pages', 'textSource'],
        properties: { pages: { type: 'integer' }, textSource: { type: 'string', enum: ['text', 'ocr'] } },
      },
      QaJobProgress: {
        type: 'object',
        required: ['id', 'status', 'progress', 'stage'],
        properties: {
          id: { type: 'string', format: 'uuid' },
          status: { $ref: '#/components/schemas/JobStatus' },
          progress: { type: 'integer', minimum: 0, maximum: 100 },
          stage: { type: 'string', description: 'queued, started, parse-resume, parse-jd, analyse, store, retrying, completed, failed' },
          attempts: { type: 'integer' },
        },
      },
      QaJobSummary: {
        type: 'object',
        required: ['id', 'status', 'progress', 'stage', 'createdAt', 'attempts', 'files'],
        properties: {
          id: { type: 'string', format: 'uuid' },
          status: { $ref: '#/components/schemas/JobStatus' },
          progress: { type: 'integer', minimum: 0, maximum: 100 },
          stage: { type: 'string' },
          createdAt: { type: 'string', format: 'date-time' },
          startedAt: { type: ['string', 'null'], format: 'date-time' },
          finishedAt: { type: ['string', 'null'], format: 'date-time' },
          durationMs: { type: ['integer', 'null'], description: 'From the start of processing to its end.' },
          attempts: { type: 'integer', description: 'Processing attempts started so far.' },
          error: { $ref: '#/components/schemas/JobError' },
          files: {
            type: 'object',
            required: ['resume', 'jd'],
            properties: { resume: { $ref: '#/components/schemas/StoredFile' }, jd: { $ref: '#/components/schemas/StoredFile' } },
          },
        },
      },
      QaJob: {
        allOf: [
          { $ref: '#/components/schemas/QaJobSummary' },
          {
            type: 'object',
            properties: {
              result: {
                type: 'object',
                description: 'When completed: the analysis (generator, resume, job, match, questions).',
                properties: {
                  generator: {},
                  resume: {},
                  job: {},
                  match: {},
                  questions: { type: 'array', items: {} },
                  documents: {
                    type: 'object',
                    description: 'Per file: pages, and textSource `text` (the PDF\'s text layer) or `ocr` (read from page images).',
                    properties: {
                      resume: { $ref: '#/components/schemas/DocumentSummary' },
                      jd: { $ref: '#/components/schemas/DocumentSummary' },
                    },
                  },
                },
              },
            },
          },
        ],
      },
    },
  },
} as const;

import { baseShape, ConfigError, env, eventsShape, loadConfig, mongoShape, outboxShape, parseRedisUrl, serviceShape } from '@app/common';
import { z } from 'zod';

// What the HTTP service and the worker both need besides the database and the broker: the same queue.
const queueShape = {
  // BullMQ keeps its jobs here, so this Redis must not evict keys (maxmemory-policy noeviction).
  REDIS_URL: env.redisUrl(),
  QA_QUEUE_NAME: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,100}$/, 'letters, digits, dot, dash, underscore')
    .default('qa-analysis'),
  // BullMQ's key prefix. A Redis Cluster needs a hash tag in it (`{bull}`), so that each of the
  // queue's scripts finds all its keys on one node; unset, it is `bull` (BullMQ's own default, where
  // the jobs of earlier versions are) or `{bull}` on a Cluster. Changing it leaves queued jobs behind.
  QA_QUEUE_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9._{}-]{1,50}$/, 'letters, digits, dot, dash, underscore and a {hash tag}')
    .optional(),
  QA_JOB_ATTEMPTS: env.int(5, 1, 50),
  QA_JOB_BACKOFF_MS: env.int(1000, 0, 600_000),
  QA_DEDUP_WINDOW_SECONDS: env.int(600, 0, 7 * 24 * 3600),
};

const apiShape = {
  ...serviceShape({ port: 8003, database: 'qa' }),
  ...queueShape,
  QA_MAX_FILE_BYTES: env.int(5 * 1024 * 1024, 1024, 100 * 1024 * 1024),
  QA_MAX_WAIT_SECONDS: env.int(60, 0, 300),
  // Waiting (`Prefer: wait`, SSE) is woken by the worker's pushed changes; this poll is only the safety net.
  QA_POLL_INTERVAL_MS: env.int(2000, 20, 60_000),
  QA_SSE_HEARTBEAT_MS: env.int(15_000, 100, 300_000),
  // What one user may hold: each refusal is a 429 with Retry-After.
  QA_MAX_ACTIVE_JOBS_PER_USER: env.int(10, 1, 10_000),
  QA_MAX_STREAMS_PER_USER: env.int(5, 1, 1000),
  // What one instance holds for everybody together: `Prefer: wait` uploads and event streams open at
  // once. Each is a socket and a watcher; past it the request is refused (503 with Retry-After).
  QA_MAX_HELD_REQUESTS: env.int(500, 1, 100_000),
  QA_MAX_UPLOAD_BYTES_PER_DAY: env.int(200 * 1024 * 1024, 1024, 1024 ** 4),
  // Uploaded files and results are deleted this long after the job was created (fractions allowed).
  QA_RETENTION_DAYS: z.coerce.number({ error: 'must be a number of days' }).positive().max(3650).default(30),
  QA_RETENTION_SWEEP_MS: env.int(10 * 60_000, 100, 24 * 3600_000),
  // The event bus prefixes it with EVENTS_EXCHANGE when that is not the default, so deployments
  // isolated by exchange on one broker never share (and steal from) one consumer queue.
  QA_USER_DELETED_QUEUE: z.string().min(1).max(200).default('qa.user-deleted'),
  EVENTS_TRUSTED_PUBLISHERS: env.publishers(),
};

const workerShape = {
  ...baseShape({ port: 8004, portVariable: 'QA_WORKER_PORT' }),
  ...mongoShape('qa'),
  ...eventsShape(),
  ...queueShape,
  QA_WORKER_CONCURRENCY: env.int(2, 1, 64),
  // A killed worker's jobs go back to the queue once their lock lapses and a stalled check runs.
  QA_LOCK_DURATION_MS: env.int(10_000, 1000, 600_000),
  QA_STALLED_INTERVAL_MS: env.int(5000, 500, 600_000),
  // How many times a job may lose its worker before it counts as failed (a poison document crashing workers).
  QA_MAX_STALLED_COUNT: env.int(1, 0, 100),
  ...outboxShape,
  // Bounds on reading one PDF: more pages is a bad document, not a longer job.
  QA_PDF_MAX_PAGES: env.int(20, 1, 500),
  QA_PDF_TIMEOUT_MS: env.int(10_000, 100, 120_000),
  // Hard limits on one job's extraction and analysis, which run in a child process the worker kills
  // (with every program it started) when a limit is passed; the job then fails at once, naming the
  // file and the limit. MEMORY_MB bounds its JavaScript heap; PROCESS_MB its resident memory as a
  // whole, where pdf.js keeps decoded data (the OS refuses it memory a little past that, see
  // docs/untrusted-documents.md). The chart's worker memory limit is derived from these.
  QA_ANALYSIS_TIMEOUT_MS: env.int(15_000, 200, 600_000),
  QA_ANALYSIS_MEMORY_MB: env.int(256, 32, 8192),
  QA_ANALYSIS_PROCESS_MB: env.int(384, 128, 16_384),
  // Checked on the PDF's bytes before pdf.js reads it (it has no bounds of its own for these): a
  // resume's streams inflate to a few MB, it has a few hundred objects nested a few levels deep.
  QA_PDF_MAX_STREAM_MB: env.int(32, 1, 1024),
  QA_PDF_MAX_DECODED_MB: env.int(128, 1, 4096),
  QA_PDF_MAX_OBJECTS: env.int(20_000, 100, 10_000_000),
  QA_PDF_MAX_NESTING: env.int(64, 8, 10_000),
  // OCR: a page is rendered at 200 dpi, or lower when that would pass this many megapixels (an A4
  // page at 200 dpi is 3.9); a document with an embedded image larger than IMAGE_MEGAPIXELS is refused.
  QA_OCR_MAX_PAGE_MEGAPIXELS: env.int(8, 1, 200),
  QA_OCR_MAX_IMAGE_MEGAPIXELS: env.int(50, 1, 2000),
  // Address-space limit of each program OCR runs (pdftoppm, tesseract): tesseract needs ~120 MB
  // resident for an 8-megapixel page and runs under 192 MB.
  QA_OCR_PROGRAM_MB: env.int(256, 64, 16_384),
  // Pages of one document read at once, one single-threaded tesseract each: at most the cores the
  // worker is given (tesseract's own threads fought over them and made a page five times slower).
  QA_OCR_PARALLEL_PAGES: env.int(2, 1, 64),
  // Checked on the extracted text before any pattern runs: real documents stay far below them.
  QA_MAX_LINE_CHARS: env.int(2000, 80, 1_000_000),
  QA_MAX_TEXT_CHARS: env.int(200_000, 1000, 10_000_000),
  // `auto`: pages without a text layer are read by OCR where tesseract and pdftoppm are installed.
  QA_OCR: z.enum(['auto', 'off']).default('auto'),
  // An OpenAI-compatible chat completions endpoint writes the questions when set; offline otherwise.
  QA_LLM_BASE_URL: env.url(['http', 'https']).optional(),
  QA_LLM_MODEL: z.string().min(1).optional(),
  QA_LLM_API_KEY: z.string().min(1).optional(),
  QA_LLM_TIMEOUT_MS: env.int(20_000, 100, 300_000),
};

export type ApiConfig = ReturnType<typeof loadApiConfig>;
export type WorkerConfig = ReturnType<typeof loadWorkerConfig>;

/** BullMQ's prefix, checked against the Redis it is for: on a Cluster every queue key shares one hash tag. */
function queuePrefix(config: { REDIS_URL: string; QA_QUEUE_PREFIX?: string | undefined }, problems: string[]): string {
  const cluster = parseRedisUrl(config.REDIS_URL).mode === 'cluster';
  const prefix = config.QA_QUEUE_PREFIX ?? (cluster ? '{bull}' : 'bull');
  if (cluster && !/\{[^{}]+\}/.test(prefix)) {
    problems.push('QA_QUEUE_PREFIX must hold a hash tag such as {bull} with a redis+cluster:// REDIS_URL (BullMQ runs multi-key scripts)');
  }
  return prefix;
}

export function loadApiConfig(overrides: NodeJS.ProcessEnv = {}) {
  const config = loadConfig(apiShape, { ...process.env, ...overrides });
  const problems: string[] = [];
  const prefix = queuePrefix(config, problems);
  if (problems.length > 0) throw new ConfigError(problems);
  return { ...config, QA_QUEUE_PREFIX: prefix };
}

export function loadWorkerConfig(overrides: NodeJS.ProcessEnv = {}) {
  const config = loadConfig(workerShape, { ...process.env, ...overrides });
  const problems: string[] = [];
  const prefix = queuePrefix(config, problems);
  if (config.QA_LLM_BASE_URL && !config.QA_LLM_MODEL) problems.push('QA_LLM_MODEL is required when QA_LLM_BASE_URL is set');
  // The heap lives inside the process's memory, with room for the code and pdf.js's own data.
  if (config.QA_ANALYSIS_PROCESS_MB < config.QA_ANALYSIS_MEMORY_MB + 96) {
    problems.push('QA_ANALYSIS_PROCESS_MB must be at least QA_ANALYSIS_MEMORY_MB + 96 (the heap is part of the process)');
  }
  if (config.QA_PDF_MAX_STREAM_MB > config.QA_PDF_MAX_DECODED_MB) problems.push('QA_PDF_MAX_STREAM_MB must not exceed QA_PDF_MAX_DECODED_MB');
  // One stream is inflated in memory at a time when it is checked.
  if (config.QA_PDF_MAX_STREAM_MB * 2 > config.QA_ANALYSIS_PROCESS_MB)
    problems.push('QA_PDF_MAX_STREAM_MB must be at most half of QA_ANALYSIS_PROCESS_MB');
  if (problems.length > 0) throw new ConfigError(problems);
  return { ...config, QA_QUEUE_PREFIX: prefix };
}

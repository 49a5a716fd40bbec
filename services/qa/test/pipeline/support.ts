import { randomBytes } from 'node:crypto';
import { Queue } from 'bullmq';
import { checkAnswersFrom } from '@app/testkit/contract';
import { identityHeaders as signedHeaders } from '@app/testkit/identity';
import { makePdf } from '@app/testkit/pdf';
import { AMQP_URL, MONGO_URL, REDIS_URL, deleteQueues, dropDatabase, uniqueId } from '@app/testkit/servers';
import { start as startService, type RunningService } from '../../src/main';
import { start as startWorker, type RunningWorker } from '../../src/worker';

/** Names of everything one test file creates, so files run in parallel without meeting. */
export function uniqueEnv() {
  const id = uniqueId();
  return {
    MONGO_URL,
    REDIS_URL,
    AMQP_URL,
    MONGO_DB: id,
    QA_QUEUE_NAME: id,
    QA_USER_DELETED_QUEUE: `${id}.user-deleted`,
    IDENTITY_SECRET: randomBytes(32).toString('base64url'),
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    NODE_ENV: 'test',
    PORT: '0',
    QA_WORKER_PORT: '0',
    QA_POLL_INTERVAL_MS: '100',
    QA_JOB_BACKOFF_MS: '200',
  };
}

export type TestEnv = ReturnType<typeof uniqueEnv>;

/** Drops the test database, the BullMQ queue's keys and the consumer queues. */
export async function cleanUp(env: TestEnv): Promise<void> {
  await dropDatabase(env.MONGO_DB).catch(() => undefined);
  const queue = new Queue(env.QA_QUEUE_NAME, { connection: { url: REDIS_URL } });
  await queue.obliterate({ force: true }).catch(() => undefined);
  await queue.close();
  await deleteQueues([env.QA_USER_DELETED_QUEUE, `${env.QA_USER_DELETED_QUEUE}.dead`]).catch(() => undefined);
}

export function resumePdf(tag = ''): Promise<Buffer> {
  return makePdf([
    `Jane Doe ${tag}`.trim(),
    'Data Quality Analyst',
    'Summary',
    'Data analyst with 5 years of experience in SQL, Python and data quality.',
    'Skills',
    'SQL, Python, Pandas, Tableau, Power BI, ETL, Data Governance, Excel, Airflow',
    'Experience',
    'Senior Data Analyst, Acme Corp, Jan 2020 - Present',
    'Built ETL pipelines in Python and Airflow; defined data quality rules and dashboards in Tableau.',
    'Data Analyst, Globex, Jun 2017 - Dec 2019',
    'Wrote SQL reports and automated Excel workflows.',
    'Education',
    'B.Sc. Computer Science, State University, 2017',
  ]);
}

export function jdPdf(tag = ''): Promise<Buffer> {
  return makePdf([
    `Data Quality Analyst ${tag}`.trim(),
    'About the role',
    'We are looking for a Data Quality Analyst to own data validation across our platform.',
    'Requirements',
    '3+ years of experience with SQL and Python.',
    'Experience with data governance, ETL pipelines and Airflow.',
    'Familiarity with Snowflake and dbt is a plus.',
    'Responsibilities',
    'Define data quality rules, monitor pipelines and report with Tableau or Power BI.',
  ]);
}

/** Headers the gateway would add for `userId` on this request. */
export function identityHeaders(env: TestEnv, method: string, path: string, userId: string): Record<string, string> {
  return signedHeaders(env.IDENTITY_SECRET, method, path, { userId, userName: `user-${userId}` });
}

export interface Upload {
  resume?: Buffer | string;
  jd?: Buffer | string;
  resumeName?: string;
  jdName?: string;
  extra?: (form: FormData) => void;
}

export function uploadForm(upload: Upload): FormData {
  const form = new FormData();
  if (upload.resume !== undefined) {
    form.append('resume', new Blob([upload.resume], { type: 'application/pdf' }), upload.resumeName ?? 'resume.pdf');
  }
  if (upload.jd !== undefined) {
    form.append('jd', new Blob([upload.jd], { type: 'application/pdf' }), upload.jdName ?? 'job.pdf');
  }
  upload.extra?.(form);
  return form;
}

/** A fetch Response whose JSON body is loosely typed, as tests read it. */
export type ApiResponse = Omit<Response, 'json'> & { json(): Promise<any> };

export interface Client {
  request(
    method: string,
    path: string,
    init?: { userId?: string; body?: RequestInit['body']; headers?: Record<string, string> },
  ): Promise<ApiResponse>;
  json<T = any>(method: string, path: string, userId: string): Promise<{ status: number; body: T; headers: Headers }>;
  upload(userId: string, upload: Upload, headers?: Record<string, string>): Promise<ApiResponse>;
}

export function client(baseUrl: string, env: TestEnv): Client {
  checkAnswersFrom(baseUrl);
  const request: Client['request'] = (method, path, init = {}) =>
    fetch(baseUrl + path, {
      method,
      body: init.body,
      headers: { ...(init.userId ? identityHeaders(env, method, path, init.userId) : {}), ...init.headers },
    });
  return {
    request,
    async json(method, path, userId) {
      const response = await request(method, path, { userId });
      const text = await response.text();
      return { status: response.status, body: text ? JSON.parse(text) : undefined, headers: response.headers };
    },
    upload(userId, upload, headers = {}) {
      return request('POST', '/qa/generate', { userId, body: uploadForm(upload), headers });
    },
  };
}

/** The QA service and its worker, started in-process on `env`, and a client of the service. */
export interface Pipeline {
  service: RunningService;
  /** A test may put another worker in its place (other limits): `stop` stops the one in place. */
  worker: RunningWorker;
  api: Client;
  /** Stops the worker, then the service (cleanUp removes what the test made). */
  stop(): Promise<void>;
}

export async function startPipeline(env: TestEnv): Promise<Pipeline> {
  const service = await startService(env);
  let worker: RunningWorker;
  try {
    worker = await startWorker(env);
  } catch (err) {
    await service.stop();
    throw err;
  }
  const pipeline: Pipeline = {
    service,
    worker,
    api: client(service.url, env),
    async stop() {
      await pipeline.worker.stop();
      await pipeline.service.stop();
    },
  };
  return pipeline;
}

/**
 * The pipeline of this test file, started before its tests and stopped and cleaned up (cleanUp) after
 * them; its parts are read inside tests.
 */
export function usePipeline(env: TestEnv): Omit<Pipeline, 'stop'> {
  let pipeline: Pipeline | undefined;
  const started = () => {
    if (!pipeline) throw new Error('the pipeline is started in beforeAll');
    return pipeline;
  };
  beforeAll(async () => {
    pipeline = await startPipeline(env);
  });
  afterAll(async () => {
    await pipeline?.stop();
    await cleanUp(env);
  });
  return {
    get service() {
      return started().service;
    },
    get worker() {
      return started().worker;
    },
    set worker(worker: RunningWorker) {
      started().worker = worker;
    },
    get api() {
      return started().api;
    },
  };
}

/** Polls GET /qa/jobs/{id} until the job is completed or failed. */
export async function waitForJob(api: Client, id: string, userId: string, timeoutMs = 20_000): Promise<any> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { status, body } = await api.json('GET', `/qa/jobs/${id}`, userId);
    if (status !== 200) throw new Error(`GET job answered ${status}: ${JSON.stringify(body)}`);
    if (body.status === 'completed' || body.status === 'failed') return body;
    if (Date.now() > deadline) throw new Error(`job ${id} still ${body.status} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

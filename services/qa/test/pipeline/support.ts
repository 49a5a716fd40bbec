import { randomBytes, randomUUID } from 'node:crypto';
import { signIdentity } from '@app/common';
import amqp from 'amqplib';
import { Queue } from 'bullmq';
import mongoose from 'mongoose';
import PDFDocument from 'pdfkit';
import { checkAnswersFrom } from '../../../../tests/support/contract';

export const MONGO_URL = process.env.MONGO_URL ?? 'mongodb://127.0.0.1:27017/';
export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
export const AMQP_URL = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';

/** Names of everything one test file creates, so files run in parallel without meeting. */
export function uniqueEnv() {
  const id = randomUUID();
  return {
    MONGO_URL,
    REDIS_URL,
    AMQP_URL,
    MONGO_DB: `test-${id}`,
    QA_QUEUE_NAME: `test-${id}`,
    QA_USER_DELETED_QUEUE: `test-${id}.user-deleted`,
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
  const connection = await mongoose
    .createConnection(`${MONGO_URL.replace(/\/?$/, '/')}${env.MONGO_DB}`, { serverSelectionTimeoutMS: 3000 })
    .asPromise();
  await connection.dropDatabase().catch(() => undefined);
  await connection.close();
  const queue = new Queue(env.QA_QUEUE_NAME, { connection: { url: REDIS_URL } });
  await queue.obliterate({ force: true }).catch(() => undefined);
  await queue.close();
  const broker = await amqp.connect(AMQP_URL);
  const channel = await broker.createChannel();
  for (const name of [env.QA_USER_DELETED_QUEUE, `${env.QA_USER_DELETED_QUEUE}.dead`]) {
    await channel.deleteQueue(name).catch(() => undefined);
  }
  await broker.close().catch(() => undefined);
}

/** A real PDF, A4 with a fixed creation date, drawn by `draw`. */
export function pdfFrom(draw: (doc: InstanceType<typeof PDFDocument>) => void): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const doc = new PDFDocument({ size: 'A4', margin: 50, info: { CreationDate: new Date(0) } });
    const chunks: Buffer[] = [];
    doc.on('data', (chunk: Buffer) => chunks.push(chunk));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
    draw(doc);
    doc.end();
  });
}

/** A small real PDF with the given lines of text. */
export function makePdf(lines: string[]): Promise<Buffer> {
  return pdfFrom((doc) => {
    for (const line of lines) doc.fontSize(11).text(line);
  });
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
  return signIdentity(env.IDENTITY_SECRET, {
    method,
    path,
    userId,
    userName: `user-${userId}`,
    requestId: randomUUID(),
    clientIp: '127.0.0.1',
  });
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

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

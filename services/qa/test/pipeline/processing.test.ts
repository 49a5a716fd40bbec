import { randomUUID } from 'node:crypto';
import { Worker } from 'bullmq';
import type { CommandStartedEvent } from 'mongodb';
import mongoose, { type Connection } from 'mongoose';
import { EventBus, EventOutbox, createLogger, createMetrics, type EventOf, type Metrics } from '@app/common';
import { mongoOutboxStore } from '@app/common/mongo';
import { FileStore } from '../../src/data/file-store';
import { QaJobRepository } from '../../src/data/qa-job-repository';
import { documentProblemOf } from '../../src/jobs/analyse-documents';
import { createAnalysisProcessor } from '../../src/jobs/analysis-processor';
import { AnalysisQueue, bullRedis, type AnalysisJobData } from '../../src/jobs/analysis-queue';
import { JobState } from '../../src/jobs/job-state';
import { captureQaEvents } from './event-capture';
import { makePdf } from '@app/testkit/pdf';
import { AMQP_URL, MONGO_URL, REDIS_URL, connectDatabase } from '@app/testkit/servers';
import { sleep } from '@app/testkit/wait';
import { cleanUp, jdPdf, resumePdf, uniqueEnv, waitForJob, type Client, type Pipeline, startPipeline } from './support';

const env = uniqueEnv();
let pipeline: Pipeline;
let api: Client;
let db: Connection;
let capture: Awaited<ReturnType<typeof captureQaEvents>>;
let resume: Buffer;
let jd: Buffer;

const user = () => `user-${randomUUID()}`;

async function eventsFor(jobId: string, count = 1, timeoutMs = 5000) {
  const deadline = Date.now() + timeoutMs;
  while (capture.of(jobId).length < count && Date.now() < deadline) await sleep(50);
  // A short grace period shows that no duplicate follows.
  await sleep(200);
  return capture.of(jobId);
}

beforeAll(async () => {
  capture = await captureQaEvents();
  pipeline = await startPipeline(env);
  api = pipeline.api;
  db = await connectDatabase(env.MONGO_DB);
  [resume, jd] = await Promise.all([resumePdf(), jdPdf()]);
});

afterAll(async () => {
  await pipeline?.stop();
  await capture?.close();
  await db?.close();
  await cleanUp(env);
});

describe('processing an upload', () => {
  test('when a resume and a job description are uploaded, then the job completes with questions and one event', async () => {
    const owner = user();
    const response = await api.upload(owner, { resume, jd });
    expect(response.status).toBe(202);
    const location = response.headers.get('location')!;
    const { id } = await response.json();
    expect(location).toBe(`/qa/jobs/${id}`);

    const job = await waitForJob(api, id, owner);
    expect(job).toMatchObject({ id, status: 'completed', progress: 100, stage: 'completed', attempts: 1 });
    expect(job.error).toBeUndefined();
    expect(Date.parse(job.startedAt)).toBeGreaterThanOrEqual(Date.parse(job.createdAt));
    expect(Date.parse(job.finishedAt)).toBeGreaterThanOrEqual(Date.parse(job.startedAt));
    expect(job.durationMs).toEqual(expect.any(Number));
    expect(job.result).toEqual(expect.objectContaining({ questions: expect.any(Array), match: expect.anything() }));
    expect(job.result.questions.length).toBeGreaterThan(0);

    const events = await eventsFor(id);
    expect(events).toEqual([{ type: 'qa.job.completed', data: { userId: owner, jobId: id } }]);
    expect(await db.collection('qajobs').findOne({ _id: id as never })).toMatchObject({ completions: 1 });

    // The list leaves the result out.
    const list = await api.json('GET', '/qa/jobs', owner);
    expect(list.body.items[0]).toMatchObject({ id, status: 'completed' });
    expect(list.body.items[0].result).toBeUndefined();
  });

  test('when the documents hold contact details, then the answer cites redacted lines and every line comes only when asked for', async () => {
    const owner = user();
    const contactResume = await makePdf([
      'Priya Raman',
      'tel:+14155550123 · +919840012345 · priya.raman@',
      'example.com · priya (at) example (dot) org',
      'Summary',
      'Data analyst using SQL and Python, reachable on 9840012345.',
      'Skills',
      'SQL, Python, Tableau, Airflow',
      'Experience',
      'Senior Data Analyst, Acme Corp, Jan 2020 - Present',
      'Built ETL pipelines in Python and Airflow; card 4111 1111 1111 1111 scrubbed from SQL logs.',
    ]);
    const contactJd = await makePdf([
      'Data Analyst',
      'Requirements',
      '3+ years of experience with SQL and Python.',
      'Questions? Call the hiring team on 02079460958.',
    ]);
    const { id } = await (await api.upload(owner, { resume: contactResume, jd: contactJd })).json();
    const job = await waitForJob(api, id, owner);
    expect(job.status).toBe('completed');
    const secrets = ['4155550123', '9840012345', 'priya.raman', 'example.com', 'example (dot) org', '4111', '02079460958'];

    // By default: the report and the lines it cites, no full text.
    expect(job.result.resume.lines).toBeUndefined();
    expect(job.result.job.lines).toBeUndefined();
    expect(job.result.match.matched.map((m: { skill: string }) => m.skill)).toEqual(expect.arrayContaining(['SQL', 'Python']));
    for (const secret of secrets) expect(JSON.stringify(job)).not.toContain(secret);

    // Asked for: every line, redacted alike.
    const whole = await api.json('GET', `/qa/jobs/${id}?include=lines`, owner);
    expect(whole.status).toBe(200);
    expect(whole.body.result.resume.lines).toHaveLength(10);
    expect(whole.body.result.resume.lines[1]).toMatchObject({ text: '[phone] · [email]', page: 1, lineNo: 2 });
    expect(whole.body.result.job.lines[3].text).toBe('Questions? Call the hiring team on [phone].');
    for (const secret of secrets) expect(JSON.stringify(whole.body)).not.toContain(secret);

    const unknown = await api.json('GET', `/qa/jobs/${id}?include=everything`, owner);
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.code).toBe('validation_failed');
  });

  test('when Prefer: wait=30 is sent, then 200 with the finished job and Preference-Applied: wait=30', async () => {
    const owner = user();
    const response = await api.upload(owner, { resume, jd: await jdPdf('prefer') }, { prefer: 'wait=30' });
    expect(response.status).toBe(200);
    expect(response.headers.get('preference-applied')).toBe('wait=30');
    const body = await response.json();
    expect(response.headers.get('location')).toBe(`/qa/jobs/${body.id}`);
    expect(body.status).toBe('completed');
    expect(body.result.questions.length).toBeGreaterThan(0);
  });

  test('when the same files come again after the job completed, then the same job answers with 200', async () => {
    const owner = user();
    const first = await (await api.upload(owner, { resume, jd: await jdPdf('again') })).json();
    await waitForJob(api, first.id, owner);
    const again = await api.upload(owner, { resume, jd: await jdPdf('again') });
    expect(again.status).toBe(200);
    const body = await again.json();
    expect(body).toMatchObject({ id: first.id, status: 'completed' });
    expect(body.result.questions.length).toBeGreaterThan(0);
    expect(await db.collection('qajobs').countDocuments({ owner })).toBe(1);
  });

  test('when the resume is a truncated PDF, then the job fails at once naming the resume, without retries', async () => {
    const owner = user();
    const truncated = resume.subarray(0, Math.floor(resume.length / 3));
    const { id } = await (await api.upload(owner, { resume: truncated, jd })).json();
    const job = await waitForJob(api, id, owner);
    expect(job.status).toBe('failed');
    expect(job.attempts).toBe(1);
    expect(job.error).toMatchObject({ reason: 'invalid_document', files: ['resume'] });
    expect(job.error.message).toContain('resume');
    expect(job.result).toBeUndefined();
    expect(await eventsFor(id)).toEqual([{ type: 'qa.job.failed', data: { userId: owner, jobId: id } }]);
  });

  test('when both files are bad PDFs, then the failure names both', async () => {
    const owner = user();
    const { id } = await (
      await api.upload(owner, {
        resume: resume.subarray(0, 200),
        jd: Buffer.from('%PDF-1.7\nthis is not really a pdf at all\n'),
      })
    ).json();
    const job = await waitForJob(api, id, owner);
    expect(job.status).toBe('failed');
    expect(job.attempts).toBe(1);
    expect([...job.error.files].sort()).toEqual(['jd', 'resume']);
    expect(job.error.problems).toHaveLength(2);
  });

  test('when the events are followed, then progress events arrive and a final completed event ends the stream', async () => {
    const owner = user();
    const { id } = await (await api.upload(owner, { resume, jd: await jdPdf('sse') })).json();
    const response = await api.request('GET', `/qa/jobs/${id}/events`, { userId: owner });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const text = await response.text(); // ends when the server closes the stream
    const events = text
      .split('\n\n')
      .map((block) => ({
        event: /^event: (.*)$/m.exec(block)?.[1],
        data: /^data: (.*)$/m.exec(block)?.[1],
      }))
      .filter((e) => e.event);
    expect(events.filter((e) => e.event === 'progress').length).toBeGreaterThan(0);
    const last = events[events.length - 1]!;
    expect(last.event).toBe('completed');
    const final = JSON.parse(last.data!);
    expect(final).toMatchObject({ id, status: 'completed', progress: 100 });
    expect(final.result.questions.length).toBeGreaterThan(0);
    const progress = events.filter((e) => e.event === 'progress').map((e) => JSON.parse(e.data!).progress as number);
    expect([...progress].sort((a, b) => a - b)).toEqual(progress);
  });

  test('when a finished job is deleted, then its record and files are gone', async () => {
    const owner = user();
    const { id } = await (await api.upload(owner, { resume, jd: await jdPdf('delete') }, { prefer: 'wait=30' })).json();
    expect((await api.request('DELETE', `/qa/jobs/${id}`, { userId: owner })).status).toBe(204);
    expect((await api.json('GET', `/qa/jobs/${id}`, owner)).status).toBe(404);
    expect(await db.collection('qa_files').countDocuments({ owner })).toBe(0);
  });

  test('when the worker is asked, then /health, /ready and job metrics answer', async () => {
    expect((await fetch(`${pipeline.worker.url}/health`)).status).toBe(200);
    const ready = await fetch(`${pipeline.worker.url}/ready`);
    expect(ready.status).toBe(200);
    expect(((await ready.json()) as any).checks).toEqual({ mongodb: 'up', redis: 'up', rabbitmq: 'up' });
    const metrics = await (await fetch(`${pipeline.worker.url}/metrics`)).text();
    expect(metrics).toMatch(/^qa_jobs_completed_total\{service="qa-worker"\} [1-9]/m);
    expect(metrics).toMatch(/^qa_jobs_failed_total\{reason="invalid_document",service="qa-worker"\} [1-9]/m);
    expect(metrics).toContain('qa_job_duration_seconds_bucket');
    // The queue's depth for alerts and scaling, read from Redis at the scrape.
    expect(metrics).toMatch(/^qa_queue_jobs\{state="waiting",service="qa-worker"\} \d+$/m);
    expect(metrics).toMatch(/^qa_queue_jobs\{state="failed",service="qa-worker"\} \d+$/m);
  });
});

/** Our processor with the analysis `analyse`, on a queue of its own, and a job for `resume` and `jd` stored as the API stores them. */
async function withOwnProcessor(
  analyse: (resume: Buffer, jd: Buffer) => Promise<unknown>,
  run: (context: {
    jobs: QaJobRepository;
    producer: AnalysisQueue;
    owner: string;
    id: string;
    fileIds: { resume: string; jd: string };
    /** The processor's metrics, as the worker would expose them. */
    metrics: Metrics;
    /** The commands the processor's connection has sent so far. */
    commands: CommandStartedEvent[];
  }) => Promise<void>,
): Promise<void> {
  const queueName = `test-${randomUUID()}`;
  const logger = createLogger('qa-test', 'silent');
  const connection = mongoose.createConnection(`${MONGO_URL.replace(/\/?$/, '/')}${env.MONGO_DB}`, { monitorCommands: true });
  await connection.asPromise();
  const commands: CommandStartedEvent[] = [];
  connection.getClient().on('commandStarted', (event: CommandStartedEvent) => commands.push(event));
  const jobs = new QaJobRepository(connection);
  const files = new FileStore(connection);
  const bus = new EventBus({ url: AMQP_URL, service: 'qa-test', logger });
  await bus.start();
  const outbox = new EventOutbox<EventOf<'qa'>>(mongoOutboxStore(connection), bus, logger, { sweepMs: 60_000 });
  outbox.start();
  const state = new JobState({ jobs, outbox, logger });
  const metrics = createMetrics('qa-test');
  const redis = bullRedis(REDIS_URL, logger, 'qa-test-worker', 'worker');
  const worker = new Worker<AnalysisJobData>(
    queueName,
    createAnalysisProcessor({
      jobs,
      state,
      files,
      logger,
      metrics: {
        completed: metrics.counter('c', 'c'),
        failed: metrics.counter('f', 'f', ['reason']),
        duration: metrics.histogram('d', 'd', ['outcome']),
        retried: metrics.counter('qa_job_retries_total', 'r'),
      },
      documentProblemOf,
      analyse: (resumeBytes, jdBytes) => analyse(resumeBytes, jdBytes) as never,
    }),
    { connection: redis },
  );
  const producer = new AnalysisQueue(REDIS_URL, queueName, 'bull', { attempts: 3, backoffMs: 100 }, logger);
  try {
    const owner = user();
    const id = randomUUID();
    const stored = async (part: 'resume' | 'jd', content: Buffer) => {
      const upload = files.openUpload(`${part}.pdf`, { owner, jobId: id, part });
      await new Promise((resolve, reject) => upload.stream.once('finish', resolve).once('error', reject).end(content));
      return { fileId: upload.id, name: `${part}.pdf`, size: content.length, sha256: 'x'.repeat(64) };
    };
    const storedFiles = { resume: await stored('resume', resume), jd: await stored('jd', jd) };
    await jobs.insert({ id, owner, contentHash: randomUUID(), dedupBucket: 0, files: storedFiles, createdAt: new Date() });
    await run({ jobs, producer, owner, id, fileIds: { resume: storedFiles.resume.fileId, jd: storedFiles.jd.fileId }, metrics, commands });
  } finally {
    await worker.close();
    await outbox.stop();
    await producer.close();
    await redis.quit();
    await bus.close();
    await connection.close();
    const { Queue } = await import('bullmq');
    const q = new Queue(queueName, { connection: { url: REDIS_URL } });
    await q.obliterate({ force: true }).catch(() => undefined);
    await q.close();
  }
}

async function completedJob(jobs: QaJobRepository, id: string) {
  const deadline = Date.now() + 15_000;
  let record = await jobs.findById(id);
  while (Date.now() < deadline && record?.status !== 'completed') {
    await sleep(100);
    record = await jobs.findById(id);
  }
  return record;
}

describe('retrying a transient failure', () => {
  test('when an attempt fails for a reason other than the documents, then the job is retried and completes', async () => {
    // An analysis that fails once, as if MongoDB had blinked.
    let calls = 0;
    const analyse = async () => {
      calls += 1;
      if (calls === 1) throw new Error('connection lost');
      return { questions: ['Why?'] };
    };
    await withOwnProcessor(analyse, async ({ jobs, producer, owner, id, fileIds, metrics }) => {
      await producer.enqueue({ jobId: id, owner, fileIds });
      expect(await completedJob(jobs, id)).toMatchObject({ status: 'completed', attempts: 2 });
      expect(calls).toBe(2);
      // The retry is counted (qa_job_retries_total), once.
      expect(await metrics.registry.getSingleMetricAsString('qa_job_retries_total')).toMatch(/^qa_job_retries_total\{[^}]*\} 1$/m);
    });
  });
});

describe("a job's cost to the database", () => {
  test('when a short job runs, then the worker sends seven MongoDB commands, each by _id or an insert', async () => {
    await withOwnProcessor(
      async () => ({ questions: ['Why?'] }),
      async ({ jobs, producer, owner, id, fileIds, commands }) => {
        const from = commands.length;
        await producer.enqueue({ jobId: id, owner, fileIds });
        expect(await completedJob(jobs, id)).toMatchObject({ status: 'completed' });
        // The polling above goes through the same connection: leave its reads out.
        await sleep(300);
        const sent = commands
          .slice(from)
          .filter((event) => !(event.commandName === 'find' && (event.command as { find?: string }).find === 'qajobs'))
          .map((event) => {
            const command = event.command as Record<string, unknown>;
            const filter = (command.filter ?? command.query ?? (command.updates as Array<{ q: unknown }> | undefined)?.[0]?.q) as
              Record<string, unknown> | undefined;
            return `${event.commandName} ${String(command[event.commandName])}${filter ? ` ${Object.keys(filter).join(',')}` : ''}`;
          });
        // The job's start and end, its two files, the decision that ends it (with the result in it), and
        // its event's outbox entry, written and removed once the broker confirmed it: no progress write,
        // no separate result.
        expect(sent.sort()).toEqual(
          [
            'find qa_files _id',
            'find qa_files _id',
            'findAndModify qajobs _id',
            'findAndModify qajobs _id',
            'insert qa_job_finishes',
            'insert outbox',
            'delete outbox',
          ].sort(),
        );
      },
    );
  });
});

describe("the queue's copy of the file ids", () => {
  test("when it names other files than the job's record, then the record's files are analysed", async () => {
    const seen: Array<[Buffer, Buffer]> = [];
    const analyse = async (resumeBytes: Buffer, jdBytes: Buffer) => {
      seen.push([resumeBytes, jdBytes]);
      return { questions: ['Why?'] };
    };
    await withOwnProcessor(analyse, async ({ jobs, producer, owner, id, fileIds }) => {
      // A forged or stale copy: the two files swapped.
      await producer.enqueue({ jobId: id, owner, fileIds: { resume: fileIds.jd, jd: fileIds.resume } });
      expect(await completedJob(jobs, id)).toMatchObject({ status: 'completed' });
      expect(seen).toHaveLength(1);
      expect(seen[0]![0].equals(resume)).toBe(true);
      expect(seen[0]![1].equals(jd)).toBe(true);
    });
  });

  test('when a job was queued without it (an earlier version), then the files are read from the record', async () => {
    const seen: Buffer[] = [];
    const analyse = async (resumeBytes: Buffer) => {
      seen.push(resumeBytes);
      return { questions: ['Why?'] };
    };
    await withOwnProcessor(analyse, async ({ jobs, producer, owner, id }) => {
      await producer.enqueue({ jobId: id, owner });
      expect(await completedJob(jobs, id)).toMatchObject({ status: 'completed' });
      expect(seen[0]!.equals(resume)).toBe(true);
    });
  });
});

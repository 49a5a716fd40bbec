import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pdfFrom } from '@app/testkit/pdf';
import { start as startWorker } from '../../src/worker';
import { jdPdf, resumePdf, uniqueEnv, waitForJob, usePipeline } from './support';

// The bounds are opened wide here so that the hard time limit is what stops the hostile document.
const env = { ...uniqueEnv(), QA_ANALYSIS_TIMEOUT_MS: '800', QA_MAX_LINE_CHARS: '1000000', QA_MAX_TEXT_CHARS: '10000000' };
const FIXTURES = join(__dirname, '..', '..', '..', '..', 'packages', 'resume-analysis', 'fixtures');
const pipeline = usePipeline(env);

/** Thirty lines of 100,000 letters each, in a font small enough to fit the page: a few KB compressed. */
function stallingPdf(): Promise<Buffer> {
  return pdfFrom((doc) => {
    doc.fontSize(11).text('Jane Doe, Data Analyst');
    for (let line = 0; line < 30; line++) doc.fontSize(0.008).text('ab'.repeat(50_000), 50, 100 + line * 20, { lineBreak: false });
  });
}

/** Asks /health every 20 ms until `until` settles; returns the answers' median and slowest time in ms. */
async function healthTimes(url: string, until: Promise<unknown>): Promise<{ median: number; slowest: number; asked: number }> {
  let done = false;
  void until.finally(() => (done = true));
  const times: number[] = [];
  while (!done) {
    const started = performance.now();
    const response = await fetch(`${url}/health`);
    await response.arrayBuffer();
    expect(response.status).toBe(200);
    times.push(performance.now() - started);
    await new Promise((r) => setTimeout(r, 20));
  }
  times.sort((a, b) => a - b);
  return { median: times[Math.floor(times.length / 2)] ?? 0, slowest: times[times.length - 1] ?? 0, asked: times.length };
}

describe('hostile documents', () => {
  test('when documents stall the reader, then each job fails at the time limit naming the file, without retry, and /health keeps answering fast', async () => {
    const owner = `user-${randomUUID()}`;
    const jd = await jdPdf();
    const stalling = await stallingPdf();
    expect(stalling.length).toBeLessThan(100_000);
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      // A different byte each time: deduplication is no defence, the limit is.
      const response = await pipeline.api.upload(owner, { resume: Buffer.concat([stalling, Buffer.from(`\n%${i}\n`)]), jd });
      expect(response.status).toBe(202);
      ids.push((await response.json()).id);
    }
    const finished = Promise.all(ids.map((id) => waitForJob(pipeline.api, id, owner, 30_000)));
    const health = await healthTimes(pipeline.worker.url, finished);
    for (const job of await finished) {
      expect(job.status).toBe('failed');
      expect(job.attempts).toBe(1);
      // Past reading, the limit is met while both are analysed together: both are named.
      expect(job.error.reason).toBe('invalid_document');
      expect(job.error.files).toContain('resume');
      expect(job.error.problems).toContainEqual(expect.objectContaining({ file: 'resume', reason: 'timeout' }));
      expect(job.error.message).toMatch(/^(Reading|Analysing) the resume.* took longer than the limit of 0\.8 s/);
    }
    expect(health.asked).toBeGreaterThan(5);
    // The analysis of these files takes seconds; it used to block this event loop throughout. The
    // bound on the slowest answer leaves room for a machine busy with other work (this test's
    // process also runs the API service and the client).
    expect(health.median).toBeLessThan(100);
    expect(health.slowest).toBeLessThan(1000);
  }, 60_000);

  test('when a normal upload follows, then the worker still completes it', async () => {
    const owner = `user-${randomUUID()}`;
    const response = await pipeline.api.upload(owner, { resume: await resumePdf('after'), jd: await jdPdf('after') }, { prefer: 'wait=30' });
    expect(response.status).toBe(200);
    const job = await response.json();
    expect(job.status).toBe('completed');
    expect(job.result.documents.resume).toEqual({ pages: 1, textSource: 'text' });
  });

  test('when a resume has a line over the bound, then the job fails at once naming the resume and the limit', async () => {
    // Only the bounded worker takes this job. The line bound is checked before any pattern runs, so it
    // needs no tight time limit: a fresh worker's first read on a busy machine can take longer than 0.8 s.
    await pipeline.worker.stop();
    pipeline.worker = await startWorker({ ...env, QA_ANALYSIS_TIMEOUT_MS: '30000', QA_MAX_LINE_CHARS: '2000' });
    {
      const owner = `user-${randomUUID()}`;
      const hostile = readFileSync(join(FIXTURES, 'hostile', 'long-line.pdf'));
      const { id } = await (await pipeline.api.upload(owner, { resume: hostile, jd: await jdPdf('line') })).json();
      const job = await waitForJob(pipeline.api, id, owner);
      expect(job).toMatchObject({ status: 'failed', attempts: 1 });
      expect(job.error.problems).toEqual([expect.objectContaining({ file: 'resume', reason: 'line_too_long' })]);
      expect(job.error.message).toMatch(/at most 2000 are accepted per line/);
    }
  });
});

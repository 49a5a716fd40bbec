import { randomUUID } from 'node:crypto';
import {
  billionsOfPages,
  deeplyNested,
  endlessStream,
  flateBomb,
  hugeImage,
  pageSizeBomb,
  thousandsOfTinyPages,
} from '@app/resume-analysis/test/hostile-pdfs';
import { peakTreeResident, treeResidentBytes } from './process-tree';
import { jdPdf, resumePdf, uniqueEnv, waitForJob, usePipeline } from './support';

// The worker's own limits, as deployed: what is tested is that the defaults hold.
const env = uniqueEnv();
const TIME_LIMIT_MS = 15_000;
const MB = 1024 * 1024;
const pipeline = usePipeline(env);

// What a user must never be shown: a program, its command line, a path, a stack, a library's own words.
const INTERNALS =
  /\/(tmp|usr|work|home|proc)\/|pdftoppm|pdfinfo|pdfimages|tesseract|prlimit|command|exception|error:|\n\s+at |\bsignal\b|stderr|pdf\.js/i;

interface HostileClass {
  name: string;
  build: () => Buffer;
  reasons: string[];
  message: RegExp;
}

const classes: HostileClass[] = [
  // Rendered at a size capped in pixels, the blank page is read and found empty (or, on a machine
  // too busy to OCR 8 megapixels in time, stopped at the limit): it never takes gigabytes.
  {
    name: 'a page-size bomb (a 200-inch page)',
    build: pageSizeBomb,
    reasons: ['no_text', 'timeout'],
    message: /resume has no text layer and no text could be read from its page images|took longer than the limit/,
  },
  {
    name: 'a Flate bomb (1 MB inflating to 1 GiB)',
    build: () => flateBomb(1024),
    reasons: ['too_much_compressed_data'],
    message: /resume holds more compressed data than accepted \(at most 32 MB per stream and 128 MB in all/,
  },
  {
    name: 'a huge embedded image (60,000 × 60,000 pixels)',
    build: hugeImage,
    reasons: ['image_too_large'],
    message: /one of its images is 60000 × 60000 pixels, too large to be read/,
  },
  {
    name: 'a page count of billions',
    build: billionsOfPages,
    reasons: ['too_many_pages'],
    message: /resume has 2000000000 pages; at most 20 are accepted/,
  },
  {
    name: 'thousands of tiny pages',
    build: () => thousandsOfTinyPages(5000),
    reasons: ['too_many_pages'],
    message: /resume has 5000 pages; at most 20 are accepted/,
  },
  {
    name: 'deeply nested objects (100,000 levels)',
    build: () => deeplyNested(100_000),
    reasons: ['too_complex'],
    message: /resume has objects nested more than 64 levels deep/,
  },
  {
    name: 'a stream that never ends',
    build: endlessStream,
    reasons: ['malformed'],
    message: /resume could not be read as a PDF; it may be damaged/,
  },
];

describe('hostile documents of every class, two at once, with the default limits', () => {
  test.each(classes)(
    "when two uploads are $name, then each fails within the time limit in the user's terms, the worker grows by less than 400 MB, and a normal job completes after",
    async ({ build, reasons, message }) => {
      const owner = `user-${randomUUID()}`;
      const hostile = build();
      expect(hostile.length).toBeLessThan(2 * MB);
      const jd = await jdPdf();
      const before = treeResidentBytes();
      const started = Date.now();
      const ids: string[] = [];
      for (let i = 0; i < 2; i++) {
        // A different byte each time: deduplication is no defence, the limits are.
        const response = await pipeline.api.upload(owner, { resume: Buffer.concat([hostile, Buffer.from(`\n%${i}\n`)]), jd });
        expect(response.status).toBe(202);
        ids.push((await response.json()).id);
      }
      const finished = Promise.all(ids.map((id) => waitForJob(pipeline.api, id, owner, 3 * TIME_LIMIT_MS)));
      const peak = await peakTreeResident(finished, 50);
      const jobs = await finished;
      const elapsed = Date.now() - started;

      for (const job of jobs) {
        expect(job).toMatchObject({ status: 'failed', attempts: 1 });
        expect(job.error.reason).toBe('invalid_document');
        expect(job.error.files).toEqual(['resume']);
        expect(job.error.problems).toHaveLength(1);
        expect(reasons).toContain(job.error.problems[0].reason);
        expect(job.error.message).toMatch(message);
        expect(JSON.stringify(job.error)).not.toMatch(INTERNALS);
        expect(job.durationMs).toBeLessThan(TIME_LIMIT_MS + 1000);
      }
      // Both jobs ran at once (the worker's concurrency is two), each within its limit; the rest is queueing and polling.
      expect(elapsed).toBeLessThan(TIME_LIMIT_MS + 10_000);
      // The worker, its analysis processes and the programs they started, all read from /proc.
      expect((peak - before) / MB).toBeLessThan(400);

      const normal = `user-${randomUUID()}`;
      const response = await pipeline.api.upload(normal, { resume: await resumePdf(normal), jd: await jdPdf(normal) });
      const job = await waitForJob(pipeline.api, (await response.json()).id, normal, 3 * TIME_LIMIT_MS);
      expect(job.status).toBe('completed');
    },
    120_000,
  );
});

import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_OCR_OPTIONS, DocumentsError } from '@app/resume-analysis';
import { AnalysisPool, type AnalysisPoolOptions } from '../../src/jobs/analysis-pool';
import { rejectionOf } from '@app/testkit/errors';
import { flateBomb } from '@app/resume-analysis/test/hostile-pdfs';
import { BAD, LABELLED } from '@app/resume-analysis/test/labelled-fixtures';

const FIXTURES = join(LABELLED, '..');
const read = (...path: string[]) => readFileSync(join(FIXTURES, ...path));
const resume = read('labelled', '08-accountant', 'resume.pdf');
const jd = read('labelled', '08-accountant', 'jd.pdf');
const longLine = read('hostile', 'long-line.pdf');

const defaults: AnalysisPoolOptions = {
  processes: 1,
  timeoutMs: 15_000,
  memoryMb: 256,
  processMemoryMb: 384,
  limits: { maxPages: 20, timeoutMs: 10_000, maxLineChars: 2000, maxChars: 200_000 },
  ocr: { ...DEFAULT_OCR_OPTIONS, parallelPages: 2 },
};

const pools: AnalysisPool[] = [];
function poolWith(overrides: Partial<AnalysisPoolOptions> = {}): AnalysisPool {
  const pool = new AnalysisPool({ ...defaults, ...overrides, limits: { ...defaults.limits, ...overrides.limits } });
  pools.push(pool);
  return pool;
}
afterAll(async () => {
  await Promise.all(pools.map((pool) => pool.close()));
});

const refusal = (work: Promise<unknown>) => rejectionOf(work, DocumentsError);

/** Command lines of the processes whose arguments name a path under `dir`. */
function programsWorkingIn(dir: string): string[] {
  return readdirSync('/proc')
    .filter((entry) => /^[0-9]+$/.test(entry))
    .map((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      } catch {
        return '';
      }
    })
    .filter((command) => command.includes(dir));
}

/** The longest gap between timer ticks of this thread while `work` runs. */
async function longestStall(work: Promise<unknown>): Promise<number> {
  let last = performance.now();
  let longest = 0;
  const ticker = setInterval(() => {
    const now = performance.now();
    longest = Math.max(longest, now - last);
    last = now;
  }, 5);
  try {
    await work.catch(() => undefined);
  } finally {
    clearInterval(ticker);
  }
  return longest;
}

describe('analysis in a pool of processes', () => {
  test('when the documents are fine, then the analysis comes back with its stages reported in order', async () => {
    const stages: string[] = [];
    const result = await poolWith().analyse(resume, jd, (stage) => void stages.push(stage));
    expect(stages).toEqual(['parse-resume', 'parse-jd', 'analyse']);
    expect(result.documents).toEqual({ resume: { pages: 2, textSource: 'text' }, jd: { pages: expect.any(Number), textSource: 'text' } });
    expect(result.match.matched.length).toBeGreaterThan(0);
  });

  test('when a job runs, then each stage is timed once, in the process, and the stages add up to no more than the whole', async () => {
    const timed: Array<[string, number]> = [];
    const pool = poolWith({ onStageTimed: (stage, seconds) => void timed.push([stage, seconds]) });
    await pool.warmUp();
    const started = performance.now();
    await pool.analyse(resume, jd, () => undefined);
    const whole = (performance.now() - started) / 1000;
    expect(timed.map(([stage]) => stage)).toEqual(['parse-resume', 'parse-jd', 'analyse']);
    for (const [, seconds] of timed) expect(seconds).toBeGreaterThan(0);
    expect(timed.reduce((sum, [, seconds]) => sum + seconds, 0)).toBeLessThanOrEqual(whole);
  });

  test('when a line is longer than the bound, then the file is refused before any pattern runs, naming the limit', async () => {
    // A ready process: what is timed is the refusal, not a process starting on a busy machine.
    const pool = poolWith();
    await pool.warmUp();
    const started = performance.now();
    const error = await refusal(pool.analyse(longLine, jd, () => undefined));
    expect(performance.now() - started).toBeLessThan(5000);
    expect(error.errors).toHaveLength(1);
    expect(error.errors[0]).toMatchObject({ file: 'resume', reason: 'line_too_long' });
    expect(error.message).toMatch(/resume has a line of 100000 characters on page 1; at most 2000/);
  });

  test('when the text is longer than the bound, then the file is refused naming the limit', async () => {
    const error = await refusal(poolWith({ limits: { maxChars: 1000 } }).analyse(resume, jd, () => undefined));
    expect(error.errors.map((e) => [e.file, e.reason])).toEqual([
      ['resume', 'too_much_text'],
      ['jd', 'too_much_text'],
    ]);
    expect(error.message).toMatch(/at most 1000 are accepted/);
  });

  test('when reading takes longer than the hard limit, then the process is killed, the file named, and this process never stalls', async () => {
    // Reading this file takes 150–300 ms of one core here: a limit well under that is met while the resume is read.
    const pool = poolWith({ timeoutMs: 40, limits: { maxLineChars: 10_000_000 } });
    // A warm process, so that the limit is met while reading, not while the process loads.
    await pool.warmUp();
    const work = pool.analyse(longLine, jd, () => undefined);
    const stall = longestStall(work);
    const error = await refusal(work);
    expect(error.errors[0]).toMatchObject({ file: 'resume', reason: 'timeout' });
    expect(error.message).toMatch(/Reading the resume took longer than the limit of 0\.04 s/);
    // Reading it in this process would hold this event loop for the whole read; the bound leaves room
    // for a machine busy with other test files.
    expect(await stall).toBeLessThan(500);
    // The pool replaced the killed process: the next job runs.
    const next = await poolWith({ timeoutMs: 15_000 }).analyse(resume, jd, () => undefined);
    expect(next.generator).toBe('offline');
  });

  test('when pdf.js decodes more than the process may hold, then the process is killed at its memory limit, the file named, and the next job runs', async () => {
    // The check before pdf.js is opened wide, so that pdf.js itself decodes the 1 GiB stream.
    const pool = poolWith({ processMemoryMb: 320, limits: { maxStreamBytes: 4096 * 1024 * 1024, maxDecodedBytes: 4096 * 1024 * 1024 } });
    await pool.warmUp();
    const error = await refusal(pool.analyse(flateBomb(1024), jd, () => undefined));
    expect(error.errors).toEqual([expect.objectContaining({ file: 'resume', reason: 'memory_limit' })]);
    expect(error.message).toMatch(/^Reading the resume needed more than the memory limit of 320 MB/);
    const next = await pool.analyse(resume, jd, () => undefined);
    expect(next.generator).toBe('offline');
  }, 60_000);

  test('when a job is killed while OCR runs, then the programs it started end and its temporary files are gone', async () => {
    // This test's own temporary directory, so that what is left in it can only be this job's.
    const own = mkdtempSync(join(tmpdir(), 'pool-test-'));
    try {
      // Pages at 400 dpi (not capped down to the default 8 megapixels) read one at a time: about
      // 4 s of OCR on an idle machine of two cores, so the 1 s limit falls while a program is at work.
      // At the defaults (200 dpi, two pages at once) an idle machine finished both inside the limit.
      const pool = poolWith({
        timeoutMs: 1000,
        limits: { timeoutMs: 60_000 },
        workRoot: own,
        ocr: { ...DEFAULT_OCR_OPTIONS, dpi: 400, maxPagePixels: 20_000_000, parallelPages: 1 },
      });
      await pool.warmUp();
      const work = pool.analyse(read('scanned', 'two-pages.pdf'), jd, () => undefined);
      let settled = false;
      void work.catch(() => undefined).finally(() => (settled = true));
      let sawProgram = false;
      while (!settled) {
        sawProgram ||= programsWorkingIn(own).length > 0;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      const error = await refusal(work);
      expect(error.errors[0]).toMatchObject({ file: 'resume', reason: 'timeout' });
      // The limit was met while a program was at work on the pages.
      expect(sawProgram).toBe(true);
      expect(programsWorkingIn(own)).toEqual([]);
      expect(readdirSync(own)).toEqual([]);
    } finally {
      rmSync(own, { recursive: true, force: true });
    }
  }, 60_000);

  test('when a page is only an image of text, then it is read by OCR and the result says so', async () => {
    const result = await poolWith({ timeoutMs: 60_000, limits: { timeoutMs: 60_000 } }).analyse(read('scanned', 'resume.pdf'), jd, () => undefined);
    expect(result.documents?.resume.textSource).toBe('ocr');
    expect(result.documents?.jd.textSource).toBe('text');
    expect(result.resume.skills.map((skill) => skill.skill)).toEqual(expect.arrayContaining(['TypeScript', 'PostgreSQL', 'Kubernetes']));
  }, 90_000);

  test('when OCR is off, then a page without text fails at once, naming the file and saying it has no text', async () => {
    const error = await refusal(poolWith({ ocr: null }).analyse(read('scanned', 'resume.pdf'), jd, () => undefined));
    expect(error.errors[0]).toMatchObject({ file: 'resume', reason: 'no_text' });
    expect(error.message).toMatch(/resume has no extractable text/);
  });

  test('when a page has marks but no letters, then OCR finds nothing and the file is refused as without text', async () => {
    const error = await refusal(
      poolWith({ timeoutMs: 60_000, limits: { timeoutMs: 60_000 } }).analyse(resume, readFileSync(join(BAD, 'image-only.pdf')), () => undefined),
    );
    expect(error.errors[0]).toMatchObject({ file: 'jd', reason: 'no_text' });
    expect(error.message).toMatch(/job description has no text layer/);
  }, 90_000);

  test('when a PDF is encrypted, then it fails clearly', async () => {
    const error = await refusal(poolWith().analyse(readFileSync(join(BAD, 'encrypted.pdf')), jd, () => undefined));
    expect(error.errors[0]).toMatchObject({ file: 'resume', reason: 'encrypted' });
    expect(error.message).toMatch(/password-protected/);
  });
});

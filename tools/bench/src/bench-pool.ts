/**
 * What the worker's analysis pool costs on top of the analysis itself: the time to get the pool
 * ready, one job at a time through it, and two at once (the worker's default concurrency), on the
 * labelled two-page pairs; then a scanned two-page resume read by OCR.
 *
 * Run after `npm run build`: node tools/bench/dist/bench-pool.js [jobs]   (default 60)
 */
import { readdirSync, readFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_OCR_OPTIONS } from '@app/resume-analysis';
import { ROOT } from '@app/infra';
import { AnalysisPool } from '@app/qa/jobs/analysis-pool';

const LABELLED = join(ROOT, 'packages', 'resume-analysis', 'fixtures', 'labelled');
const jobs = Number(process.argv[2] ?? 60);

function percentile(samples: number[], share: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(sorted.length * share) - 1))] ?? 0;
}

async function main(): Promise<void> {
  // The labelled pairs are the folders; the fixtures' notes sit beside them.
  const pairs = readdirSync(LABELLED, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort()
    .map((id) => ({ resume: readFileSync(join(LABELLED, id, 'resume.pdf')), jd: readFileSync(join(LABELLED, id, 'jd.pdf')) }));
  const pool = new AnalysisPool({
    processes: 2,
    timeoutMs: 15_000,
    memoryMb: 256,
    processMemoryMb: 384,
    limits: { maxPages: 20, timeoutMs: 10_000, maxLineChars: 2000, maxChars: 200_000 },
    ocr: DEFAULT_OCR_OPTIONS,
  });
  try {
    let started = performance.now();
    await pool.warmUp();
    console.log(`pool of 2 ready in ${(performance.now() - started).toFixed(0)} ms`);
    const one: number[] = [];
    for (let job = 0; job < jobs; job++) {
      const pair = pairs[job % pairs.length]!;
      const t = performance.now();
      await pool.analyse(pair.resume, pair.jd, () => undefined);
      one.push(performance.now() - t);
    }
    console.log(`one at a time: p50 ${percentile(one, 0.5).toFixed(0)} ms, p95 ${percentile(one, 0.95).toFixed(0)} ms (${jobs} jobs)`);
    started = performance.now();
    let next = 0;
    await Promise.all(
      [0, 1].map(async () => {
        while (next < jobs) {
          const pair = pairs[next++ % pairs.length]!;
          await pool.analyse(pair.resume, pair.jd, () => undefined);
        }
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    console.log(`two at a time: ${(jobs / seconds).toFixed(1)} jobs/s`);
    // A scanned two-page resume: OCR of both pages at once, one tesseract thread each.
    const scan = readFileSync(join(LABELLED, '..', 'scanned', 'two-pages.pdf'));
    const scans: number[] = [];
    for (let run = 0; run < 3; run++) {
      const t = performance.now();
      await pool.analyse(scan, pairs[0]!.jd, () => undefined);
      scans.push(performance.now() - t);
    }
    console.log(
      `two-page scan: ${scans.map((ms) => (ms / 1000).toFixed(1)).join(' s, ')} s; load average ${loadavg()[0]!.toFixed(1)} on ${availableParallelism()} cores`,
    );
  } finally {
    await pool.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});

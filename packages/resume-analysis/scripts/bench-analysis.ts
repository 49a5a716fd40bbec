/**
 * How long one analysis takes, on the labelled two-page resumes and job descriptions:
 *   1. text already extracted (analyseOffline on the PDF's lines),
 *   2. including PDF extraction (analysePdfs on the two PDFs),
 *   3. a baseline in the same process: a trivial tokenise-only pass over the same text,
 *      so the figures can be compared across machines as a ratio.
 *
 * Run from the repository root: npx tsx packages/resume-analysis/scripts/bench-analysis.ts [runs]   (default 200)
 * Target: under 100 ms per analysis.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { analyseOffline, analysePdfs, DocumentError, extractPdfText, type DocumentLine } from '../src';

const LABELLED = resolve(__dirname, '..', 'fixtures', 'labelled');
const NOW = '2025-06-15';
const TARGET_MS = 100;
const runs = Number(process.argv[2] ?? 200);

interface Pair {
  id: string;
  resumePdf: Buffer;
  jdPdf: Buffer;
  resumeLines: DocumentLine[];
  jdLines: DocumentLine[];
}

function summarise(samples: number[]): { mean: number; p50: number; p95: number; max: number } {
  const sorted = [...samples].sort((a, b) => a - b);
  const mean = samples.reduce((sum, value) => sum + value, 0) / samples.length;
  const at = (share: number) => sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * share) - 1)] ?? 0;
  return { mean, p50: at(0.5), p95: at(0.95), max: sorted[sorted.length - 1] ?? 0 };
}

function format(label: string, samples: number[]): string {
  const { mean, p50, p95, max } = summarise(samples);
  return `${label.padEnd(38)} mean ${mean.toFixed(2).padStart(7)} ms   p50 ${p50.toFixed(2).padStart(7)} ms   p95 ${p95.toFixed(2).padStart(7)} ms   max ${max.toFixed(2).padStart(7)} ms   (${samples.length} runs)`;
}

// What any analysis has to do at least: read every character and split it into words.
function tokeniseOnly(lines: readonly DocumentLine[]): number {
  let count = 0;
  for (const line of lines)
    count += line.text
      .toLowerCase()
      .split(/[^\p{L}\p{N}+#]+/u)
      .filter(Boolean).length;
  return count;
}

async function time<T>(work: () => T | Promise<T>): Promise<number> {
  const started = performance.now();
  await work();
  return performance.now() - started;
}

async function main(): Promise<void> {
  const pairs: Pair[] = [];
  // Pair folders only: the labelling rules and set-level labels sit beside them.
  for (const id of readdirSync(LABELLED, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort()) {
    const resumePdf = readFileSync(join(LABELLED, id, 'resume.pdf'));
    const jdPdf = readFileSync(join(LABELLED, id, 'jd.pdf'));
    try {
      const resume = await extractPdfText(resumePdf, 'resume');
      const jd = await extractPdfText(jdPdf, 'jd');
      pairs.push({ id, resumePdf, jdPdf, resumeLines: resume.lines, jdLines: jd.lines });
    } catch (error) {
      // The scanned pair has no text layer; OCR is timed by the service's own tests, not here.
      if (error instanceof DocumentError && error.reason === 'no_text') continue;
      throw error;
    }
  }
  const words = pairs.reduce((sum, pair) => sum + tokeniseOnly(pair.resumeLines) + tokeniseOnly(pair.jdLines), 0) / pairs.length;
  const pairAt = (run: number): Pair => pairs[run % pairs.length] as Pair;

  // Warm up: the NLP model loads on first use, and the JIT needs a few rounds.
  for (let run = 0; run < 24; run++) {
    const pair = pairAt(run);
    analyseOffline({ resumeLines: pair.resumeLines, jdLines: pair.jdLines, now: NOW });
    tokeniseOnly(pair.resumeLines);
  }
  await analysePdfs(pairAt(0).resumePdf, pairAt(0).jdPdf, { now: NOW });

  const baseline: number[] = [];
  const analysis: number[] = [];
  const withPdf: number[] = [];
  for (let run = 0; run < runs; run++) {
    const pair = pairAt(run);
    baseline.push(await time(() => tokeniseOnly(pair.resumeLines) + tokeniseOnly(pair.jdLines)));
    analysis.push(await time(() => analyseOffline({ resumeLines: pair.resumeLines, jdLines: pair.jdLines, now: NOW })));
  }
  for (let run = 0; run < runs; run++) {
    const pair = pairAt(run);
    withPdf.push(await time(() => analysePdfs(pair.resumePdf, pair.jdPdf, { now: NOW })));
  }

  // Headroom: every resume of the set run together (about six times a real resume) against one job description.
  const everything = pairs.flatMap((pair) => pair.resumeLines);
  const longResumeWords = tokeniseOnly(everything);
  const stress: number[] = [];
  for (let run = 0; run < Math.max(10, Math.floor(runs / 4)); run++) {
    const pair = pairAt(run);
    stress.push(await time(() => analyseOffline({ resumeLines: everything, jdLines: pair.jdLines, now: NOW })));
  }

  const analysisMean = summarise(analysis).mean;
  const pdfMean = summarise(withPdf).mean;
  const baselineMean = summarise(baseline).mean;
  console.log(
    `Node ${process.version}; ${pairs.length} labelled pairs, two-page resume + two-page job description, ~${Math.round(words)} words per pair`,
  );
  console.log(format('analysis, text already extracted', analysis));
  console.log(format('analysis including PDF extraction', withPdf));
  console.log(format('baseline: tokenise-only pass', baseline));
  console.log(format(`headroom: ${longResumeWords}-word resume, text`, stress));
  console.log(
    `ratio to baseline: analysis ${(analysisMean / baselineMean).toFixed(0)}x, with PDF extraction ${(pdfMean / baselineMean).toFixed(0)}x`,
  );
  console.log(
    `target < ${TARGET_MS} ms per analysis: ${analysisMean < TARGET_MS ? 'met' : 'NOT met'} (text), ${pdfMean < TARGET_MS ? 'met' : 'NOT met'} (with PDF extraction)`,
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});

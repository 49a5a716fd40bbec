import {
  analysePdfs,
  createPdfOcr,
  DocumentError,
  DocumentsError,
  ocrAvailable,
  prepareLanguageModel,
  preparePdfReader,
  type AnalysisResult,
  type AnalysisStage,
  type OcrOptions,
  type PdfLimits,
} from '@app/resume-analysis';

/**
 * An analysis process of the pool (analysis-pool.ts): the PDF parsing, the programs OCR calls, and
 * every pattern of the analysis run here, in a process the pool starts under an OS memory limit,
 * watches, and kills with everything it started when a limit is passed. pdf.js keeps decoded data
 * outside the JavaScript heap, where a worker thread's heap limit never reached it; a process
 * limit counts every byte. The worker's own event loop meanwhile keeps answering /health and
 * renewing BullMQ locks.
 */

export interface AnalysisTask {
  type: 'job';
  id: number;
  resume: Uint8Array;
  jd: Uint8Array;
  /** ISO date: what "Present" means. */
  now: string;
  limits: Omit<PdfLimits, 'ocr'>;
  /** How to read pages without a text layer; null when OCR is off. */
  ocr: OcrOptions | null;
}

export interface TaskProblem {
  file: 'resume' | 'jd';
  reason: string;
  message: string;
  detail?: string;
}

/** Errors do not cross processes with their fields, so refusals come back as data. */
export type TaskOutcome = { ok: true; result: AnalysisResult } | { ok: false; problems: TaskProblem[] };

/** A step the process timed (ms since the epoch): the worker makes each a span of the job's trace. */
export interface StepTiming {
  name: 'read' | 'ocr' | 'match' | 'questions';
  file?: 'resume' | 'jd';
  startMs: number;
  endMs: number;
}

export type ProcessMessage =
  | { type: 'ready' }
  | { type: 'started'; id: number }
  | { type: 'stage'; id: number; stage: AnalysisStage }
  | { type: 'done'; id: number; outcome: TaskOutcome; timings: StageTimings; steps: StepTiming[] };

/** Seconds each stage of a job took in the process, measured there (the messages' travel is not a stage's). */
export type StageTimings = Partial<Record<AnalysisStage, number>>;

const clockMs = () => performance.timeOrigin + performance.now();

const problem = (error: DocumentError): TaskProblem => ({
  file: error.file,
  reason: error.reason,
  message: error.message,
  ...(error.detail === undefined ? {} : { detail: error.detail }),
});

function send(message: ProcessMessage): void {
  process.send?.(message);
}

async function runTask(task: AnalysisTask): Promise<void> {
  const useOcr = task.ocr !== null && (await ocrAvailable());
  // The time limit starts now: loading the code is not the document's doing.
  send({ type: 'started', id: task.id });
  // Timed here and sent back with the outcome: the trace lives in the worker, this process only measures.
  const steps: StepTiming[] = [];
  let reading: StepTiming | undefined;
  let analyseStartedMs: number | undefined;
  const endReading = () => {
    if (reading) reading.endMs = clockMs();
    reading = undefined;
  };
  const ocr = useOcr && task.ocr ? createPdfOcr(task.ocr) : undefined;
  let outcome: TaskOutcome;
  try {
    const result = await analysePdfs(task.resume, task.jd, {
      now: task.now,
      limits: {
        ...task.limits,
        ...(ocr
          ? {
              ocr: async (...args: Parameters<typeof ocr>) => {
                const step: StepTiming = { name: 'ocr', ...(reading?.file ? { file: reading.file } : {}), startMs: clockMs(), endMs: 0 };
                steps.push(step);
                try {
                  return await ocr(...args);
                } finally {
                  step.endMs = clockMs();
                }
              },
            }
          : {}),
      },
      onProgress: (stage) => {
        endReading();
        if (stage === 'analyse') analyseStartedMs = clockMs();
        else {
          reading = { name: 'read', file: stage === 'parse-resume' ? 'resume' : 'jd', startMs: clockMs(), endMs: 0 };
          steps.push(reading);
        }
        send({ type: 'stage', id: task.id, stage });
      },
      onStep: (name, startMs, endMs) => steps.push({ name, startMs, endMs }),
    });
    outcome = { ok: true, result };
  } catch (error) {
    if (error instanceof DocumentsError) outcome = { ok: false, problems: error.errors.map(problem) };
    else if (error instanceof DocumentError) outcome = { ok: false, problems: [problem(error)] };
    else throw error;
  }
  endReading();
  send({ type: 'done', id: task.id, outcome, timings: stageTimings(steps, analyseStartedMs, clockMs()), steps });
}

/**
 * Seconds per stage for the metrics, from the same clock readings as the spans: each document's
 * reading step, and the analysis from its start to the end of the job.
 */
function stageTimings(steps: readonly StepTiming[], analyseStartedMs: number | undefined, endMs: number): StageTimings {
  const timings: StageTimings = {};
  for (const step of steps) {
    if (step.name === 'read') timings[step.file === 'resume' ? 'parse-resume' : 'parse-jd'] = (step.endMs - step.startMs) / 1000;
  }
  if (analyseStartedMs !== undefined) timings.analyse = (endMs - analyseStartedMs) / 1000;
  return timings;
}

/** A one-page PDF showing `lines` in Helvetica (pdf.js rebuilds the cross-reference table it lacks). */
function warmUpPdf(lines: readonly string[]): Uint8Array {
  const text = lines.map((line) => `(${line.replace(/[()\\]/g, '')}) '`).join(' ');
  const content = `BT /F1 11 Tf 14 TL 50 800 Td ${text} ET`;
  return Buffer.from(
    [
      '%PDF-1.4',
      '1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj',
      '2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj',
      '3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >> endobj',
      `4 0 obj << /Length ${content.length} >> stream\n${content}\nendstream endobj`,
      '5 0 obj << /Type /Font /Subtype /Type1 /BaseFont /Helvetica >> endobj',
      'trailer << /Root 1 0 R >>',
      '%%EOF',
    ].join('\n'),
    'latin1',
  );
}

/**
 * Everything a job needs is loaded, and run once, before the process says it is ready: a fresh
 * process's first analysis took 250-350 ms against 30-50 ms for the next ones (code not yet
 * compiled), and no job's time limit should pay for that, least of all the one after a process
 * was killed.
 */
async function prepare(): Promise<void> {
  preparePdfReader();
  prepareLanguageModel();
  await ocrAvailable();
  const resume = ['Jane Doe', 'Data Analyst', 'Skills', 'SQL, Python, Excel', 'Experience', 'Data Analyst, Acme Corp, Jan 2020 - Present'];
  const jd = ['Data Analyst', 'Requirements', '3+ years of experience with SQL and Python.', 'Responsibilities', 'Build reports.'];
  await analysePdfs(warmUpPdf(resume), warmUpPdf(jd), { now: '2025-01-01' }).catch(() => undefined);
}

void prepare().then(() => send({ type: 'ready' }));

process.on('message', (task: AnalysisTask) => {
  // Anything else that fails is a fault of this process: it exits, and the pool reports it and starts another.
  runTask(task).catch((error: unknown) => {
    process.stderr.write(`analysis process failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(70);
  });
});
// The worker is gone: nothing is left to answer to.
process.on('disconnect', () => process.exit(0));

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
} from '../analysis';

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

export type ProcessMessage =
  | { type: 'ready' }
  | { type: 'started'; id: number }
  | { type: 'stage'; id: number; stage: AnalysisStage }
  | { type: 'done'; id: number; outcome: TaskOutcome };

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
  let outcome: TaskOutcome;
  try {
    const result = await analysePdfs(task.resume, task.jd, {
      now: task.now,
      limits: { ...task.limits, ...(useOcr && task.ocr ? { ocr: createPdfOcr(task.ocr) } : {}) },
      onProgress: (stage) => send({ type: 'stage', id: task.id, stage }),
    });
    outcome = { ok: true, result };
  } catch (error) {
    if (error instanceof DocumentsError) outcome = { ok: false, problems: error.errors.map(problem) };
    else if (error instanceof DocumentError) outcome = { ok: false, problems: [problem(error)] };
    else throw error;
  }
  send({ type: 'done', id: task.id, outcome });
}

// Everything a job needs is loaded before the process says it is ready, so that no job's time limit pays for it.
preparePdfReader();
prepareLanguageModel();
void ocrAvailable().then(() => send({ type: 'ready' }));

process.on('message', (task: AnalysisTask) => {
  // Anything else that fails is a fault of this process: it exits, and the pool reports it and starts another.
  runTask(task).catch((error: unknown) => {
    process.stderr.write(`analysis process failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(70);
  });
});
// The worker is gone: nothing is left to answer to.
process.on('disconnect', () => process.exit(0));

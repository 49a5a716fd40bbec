import type { MessagePort } from 'node:worker_threads';
import {
  analysePdfs,
  DocumentError,
  DocumentsError,
  ocrAvailable,
  pdfOcr,
  prepareLanguageModel,
  preparePdfReader,
  type AnalysisResult,
  type PdfLimits,
} from '@app/resume-analysis';

/**
 * Runs in a worker thread of the analysis pool (analysis-pool.ts): the PDF parsing and every
 * pattern of the analysis happen here, where the pool can terminate them at the time limit and the
 * thread's heap is bounded, while the worker's own event loop keeps answering /health and renewing
 * BullMQ locks.
 */

export interface ThreadTask {
  resume: Uint8Array;
  jd: Uint8Array;
  /** ISO date: what "Present" means. */
  now: string;
  limits: Omit<PdfLimits, 'ocr'>;
  ocr: boolean;
  /** Receives each stage's name as it starts. */
  progress: MessagePort;
}

export interface ThreadProblem {
  file: 'resume' | 'jd';
  reason: string;
  message: string;
}

/** Errors do not cross threads with their fields, so refusals come back as data. */
export type ThreadOutcome = { ok: true; result: AnalysisResult } | { ok: false; problems: ThreadProblem[] };

const problem = (error: DocumentError): ThreadProblem => ({ file: error.file, reason: error.reason, message: error.message });

/** Asks a thread to load everything a job needs, so that no job's time limit pays for it. */
export interface WarmUpTask {
  warmUp: true;
}

/** Everything a job needs loaded once per thread: pdf.js's parser and the language model. */
function prepareThread(): void {
  preparePdfReader();
  prepareLanguageModel();
}

export default async function analyseInThread(task: ThreadTask | WarmUpTask): Promise<ThreadOutcome | null> {
  if ('warmUp' in task) {
    prepareThread();
    await ocrAvailable();
    return null;
  }
  // The time limit starts now: loading the code and the language model into a fresh thread (one
  // started after a hostile document's was terminated) is not the document's doing.
  prepareThread();
  const useOcr = task.ocr && (await ocrAvailable());
  task.progress.postMessage('started');
  try {
    const result = await analysePdfs(task.resume, task.jd, {
      now: task.now,
      limits: { ...task.limits, ...(useOcr ? { ocr: pdfOcr } : {}) },
      onProgress: (stage) => task.progress.postMessage(stage),
    });
    return { ok: true, result };
  } catch (error) {
    if (error instanceof DocumentsError) return { ok: false, problems: error.errors.map(problem) };
    if (error instanceof DocumentError) return { ok: false, problems: [problem(error)] };
    throw error;
  } finally {
    task.progress.close();
  }
}

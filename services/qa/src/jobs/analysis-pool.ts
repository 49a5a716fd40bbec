import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { MessageChannel } from 'node:worker_threads';
import { Piscina } from 'piscina';
import {
  DocumentError,
  DocumentsError,
  withModelQuestions,
  type AnalysisResult,
  type AnalysisStage,
  type DocumentFile,
  type DocumentProblemReason,
  type LlmOptions,
  type PdfLimits,
} from '@app/resume-analysis';
import type { ThreadOutcome, ThreadTask, WarmUpTask } from './analysis-thread';

export interface AnalysisPoolOptions {
  /** Threads kept ready: one per job the worker runs at once. */
  threads: number;
  /** Hard limit on one job's extraction and analysis; past it the thread is terminated. */
  timeoutMs: number;
  /** Heap limit of each thread. */
  memoryMb: number;
  limits: Omit<PdfLimits, 'ocr'>;
  /** Read pages without a text layer by OCR, where tesseract and pdftoppm are installed. */
  ocr: boolean;
  /** When set, a model writes the questions after the bounded part is done (outside the time limit; it has its own). */
  llm?: LlmOptions;
}

export type ProgressReporter = (stage: AnalysisStage) => Promise<void> | void;

// The thread runs compiled JavaScript: beside this file once built, or in dist/ when this file is
// loaded from its TypeScript source (the tests).
function threadScript(): string {
  const beside = join(__dirname, 'analysis-thread.js');
  if (existsSync(beside)) return beside;
  const built = join(__dirname, '..', '..', 'dist', 'jobs', 'analysis-thread.js');
  if (existsSync(built)) return built;
  throw new Error(`analysis thread script not found (looked for ${beside} and ${built}); run the build first`);
}

const FILES_OF_STAGE: Record<string, DocumentFile[]> = { 'parse-resume': ['resume'], 'parse-jd': ['jd'] };
const LABELS: Record<DocumentFile, string> = { resume: 'resume', jd: 'job description' };

function limitProblem(stage: string | undefined, reason: DocumentProblemReason, describe: (what: string) => string): DocumentsError {
  const files = FILES_OF_STAGE[stage ?? ''] ?? (['resume', 'jd'] as DocumentFile[]);
  const what = files.map((file) => `the ${LABELS[file]}`).join(' and ');
  const message = describe(what);
  return new DocumentsError(files.map((file) => new DocumentError(file, reason, message.charAt(0).toUpperCase() + message.slice(1))));
}

/**
 * Runs each job's PDF extraction and analysis in a pool of worker threads with a hard time limit and
 * a heap limit. Over a limit the thread is terminated (the pool starts a fresh one) and the job gets a
 * DocumentsError naming the file being read and the limit, which the processor fails without retry.
 */
export class AnalysisPool {
  private readonly pool: Piscina<ThreadTask | WarmUpTask, ThreadOutcome | null>;

  constructor(private readonly options: AnalysisPoolOptions) {
    this.pool = new Piscina<ThreadTask | WarmUpTask, ThreadOutcome | null>({
      filename: threadScript(),
      minThreads: options.threads,
      maxThreads: options.threads,
      idleTimeout: 60 * 60 * 1000,
      atomics: 'async',
      resourceLimits: {
        maxOldGenerationSizeMb: options.memoryMb,
        maxYoungGenerationSizeMb: Math.max(8, Math.floor(options.memoryMb / 8)),
      },
    });
  }

  /** Loads the analysis code in every thread (one task each), so that the first jobs do not pay for it. */
  async warmUp(): Promise<void> {
    await Promise.all(Array.from({ length: this.options.threads }, () => this.pool.run({ warmUp: true })));
  }

  async analyse(resume: Buffer, jd: Buffer, onProgress: ProgressReporter): Promise<AnalysisResult> {
    const { timeoutMs, memoryMb } = this.options;
    const channel = new MessageChannel();
    let stage: string | undefined;
    // Progress is written in order; a failed write fails the attempt (it is retried like any other).
    let reported: Promise<void> = Promise.resolve();
    const timeLimit = new AbortController();
    const signal = timeLimit.signal;
    let timer: NodeJS.Timeout | undefined;
    channel.port1.on('message', (next: AnalysisStage | 'started') => {
      if (next === 'started') {
        timer = setTimeout(() => timeLimit.abort(), timeoutMs);
        return;
      }
      stage = next;
      reported = reported.then(() => onProgress(next));
    });
    let outcome: ThreadOutcome | null;
    try {
      outcome = await this.pool.run(
        {
          resume: new Uint8Array(resume),
          jd: new Uint8Array(jd),
          now: new Date().toISOString(),
          limits: this.options.limits,
          ocr: this.options.ocr,
          progress: channel.port2,
        },
        { signal, transferList: [channel.port2] },
      );
    } catch (err) {
      if (signal.aborted) {
        const doing = stage === 'analyse' ? 'analysing' : 'reading';
        throw limitProblem(
          stage,
          'timeout',
          (what) => `${doing} ${what} took longer than the limit of ${timeoutMs / 1000} s; the file may be built to stall a reader.`,
        );
      }
      if ((err as { code?: unknown } | null)?.code === 'ERR_WORKER_OUT_OF_MEMORY') {
        throw limitProblem(stage, 'memory_limit', (what) => `reading ${what} needed more than the memory limit of ${memoryMb} MB.`);
      }
      throw err;
    } finally {
      clearTimeout(timer);
      channel.port1.close();
    }
    await reported;
    if (!outcome) throw new Error('the analysis thread returned nothing');
    if (!outcome.ok) {
      throw new DocumentsError(outcome.problems.map((p) => new DocumentError(p.file, p.reason as DocumentProblemReason, p.message)));
    }
    return this.options.llm ? withModelQuestions(outcome.result, this.options.llm) : outcome.result;
  }

  /** Ends the threads; a job still running is abandoned (BullMQ hands it out again). */
  async close(): Promise<void> {
    await this.pool.destroy();
  }
}

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SpanStatusCode, trace, type Span } from '@opentelemetry/api';
import {
  DocumentError,
  DocumentsError,
  withModelQuestions,
  type AnalysisResult,
  type AnalysisStage,
  type DocumentFile,
  type DocumentProblemReason,
  type LlmOptions,
  type OcrOptions,
  type PdfLimits,
} from '@app/resume-analysis';
import type { AnalysisTask, ProcessMessage, StageTimings, StepTiming, TaskOutcome } from './analysis-process';

export interface AnalysisPoolOptions {
  /** Processes kept ready: one per job the worker runs at once. */
  processes: number;
  /** Hard limit on one job's extraction and analysis; past it the process is killed. */
  timeoutMs: number;
  /** JavaScript heap limit of each process (--max-old-space-size). */
  memoryMb: number;
  /**
   * Resident memory limit of each process, heap and everything else (pdf.js's decoded data): the
   * pool kills a process that passes it, and the OS refuses it memory a little past it (see below).
   */
  processMemoryMb: number;
  limits: Omit<PdfLimits, 'ocr'>;
  /** How to read pages without a text layer (where tesseract and poppler are installed); null: off. */
  ocr: OcrOptions | null;
  /** Where each job's temporary directory is made. Default: the system's temporary directory. */
  workRoot?: string;
  /** When set, a model writes the questions after the bounded part is done (outside the time limit; it has its own). */
  llm?: LlmOptions;
  /** Told how long each stage of a job took (the process's stages, then `questions` when a model writes them). */
  onStageTimed?: (stage: AnalysisStage | 'questions', seconds: number) => void;
}

export type ProgressReporter = (stage: AnalysisStage) => Promise<void> | void;

/**
 * The OS limit on a process's writable memory (RLIMIT_DATA) also counts what V8 reserves and never
 * touches: a ready analysis process measured 690 MB of it for 145 MB resident (Node 24). The hard
 * limit is the resident limit plus this much, so it binds a few tens of MB past the resident one.
 */
export const RESERVED_UNTOUCHED_MB = 576;
// How often a running job's process has its resident memory read; a decoder writes ~1 GB/s at most,
// so a process passes its limit by a few tens of MB before it is killed (and the OS limit is near).
const WATCH_MS = 25;

// The process runs compiled JavaScript: beside this file once built, or in dist/ when this file is
// loaded from its TypeScript source (the tests).
function processScript(): string {
  const beside = join(__dirname, 'analysis-process.js');
  if (existsSync(beside)) return beside;
  const built = join(__dirname, '..', '..', 'dist', 'jobs', 'analysis-process.js');
  if (existsSync(built)) return built;
  throw new Error(`analysis process script not found (looked for ${beside} and ${built}); run the build first`);
}

let prlimitFound: boolean | undefined;
/** Whether util-linux's prlimit is installed (it sets the OS limits of the processes started here). */
export function hardLimitsAvailable(): boolean {
  prlimitFound ??= spawnSync('prlimit', ['--version'], { stdio: 'ignore' }).status === 0;
  return prlimitFound;
}

/** Resident memory of a process in bytes, from /proc; 0 once it is gone. */
function residentBytes(pid: number): number {
  try {
    const match = /^VmRSS:\s+([0-9]+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

const FILES_OF_STAGE: Record<string, DocumentFile[]> = { 'parse-resume': ['resume'], 'parse-jd': ['jd'] };
const LABELS: Record<DocumentFile, string> = { resume: 'resume', jd: 'job description' };

function limitProblem(stage: string | undefined, reason: DocumentProblemReason, describe: (what: string) => string, detail: string): DocumentsError {
  const files = FILES_OF_STAGE[stage ?? ''] ?? (['resume', 'jd'] as DocumentFile[]);
  const what = files.map((file) => `the ${LABELS[file]}`).join(' and ');
  const message = describe(what);
  return new DocumentsError(files.map((file) => new DocumentError(file, reason, message.charAt(0).toUpperCase() + message.slice(1), { detail })));
}

/** One analysis process: started under its limits, ready once it has loaded everything a job needs. */
class AnalysisProcess {
  readonly child: ChildProcess;
  readonly ready: Promise<void>;
  /** The end of its standard error, for the log when it dies. */
  stderr = '';
  exited: { code: number | null; signal: NodeJS.Signals | null } | null = null;
  private readonly exit: Promise<void>;

  constructor(options: AnalysisPoolOptions) {
    const node = [`--max-old-space-size=${options.memoryMb}`, processScript()];
    const dataLimit = (options.processMemoryMb + RESERVED_UNTOUCHED_MB) * 1024 * 1024;
    const [command, args] = hardLimitsAvailable() ? ['prlimit', [`--data=${dataLimit}`, '--', process.execPath, ...node]] : [process.execPath, node];
    this.child = spawn(command, args, {
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      serialization: 'advanced',
      // Its own process group: killing the group also ends the programs OCR started.
      detached: true,
      // glibc's per-thread arenas reserve memory the OS limit counts; two are plenty for one job at a time.
      env: { ...process.env, MALLOC_ARENA_MAX: '2' },
    });
    this.child.stderr?.setEncoding('utf8');
    this.child.stderr?.on('data', (chunk: string) => {
      this.stderr = (this.stderr + chunk).slice(-2000);
    });
    this.exit = new Promise((resolve) => {
      this.child.once('exit', (code, signal) => {
        this.exited = { code, signal };
        resolve();
      });
    });
    this.ready = new Promise<void>((resolve, reject) => {
      const onMessage = (message: ProcessMessage) => {
        if (message.type !== 'ready') return;
        this.child.off('message', onMessage);
        resolve();
      };
      this.child.on('message', onMessage);
      void this.exit.then(() => reject(new Error(`the analysis process ended before it was ready (${this.describeExit()})`)));
    });
    this.ready.catch(() => undefined);
  }

  describeExit(): string {
    const end = this.exited ? (this.exited.signal ? `signal ${this.exited.signal}` : `code ${String(this.exited.code)}`) : 'running';
    return `${end}; stderr: ${this.stderr.trim().split('\n').slice(-5).join(' | ')}`;
  }

  /** Ends it and every program it started. */
  async kill(): Promise<void> {
    if (this.exited) return;
    try {
      if (this.child.pid) process.kill(-this.child.pid, 'SIGKILL');
    } catch {
      this.child.kill('SIGKILL');
    }
    await this.exit;
  }
}

const tracer = trace.getTracer('qa-analysis');

/** The steps an analysis process timed, as spans under the current one (the job's `analysis` span). */
function recordSteps(steps: readonly StepTiming[]): void {
  for (const step of steps) {
    const name = step.file ? `analysis ${step.name} ${step.file}` : `analysis ${step.name}`;
    const span = tracer.startSpan(name, { startTime: step.startMs, ...(step.file ? { attributes: { 'qa.document': step.file } } : {}) });
    span.end(step.endMs || step.startMs);
  }
}

type Ending =
  | { kind: 'done'; outcome: TaskOutcome; timings: StageTimings; steps: StepTiming[] }
  | { kind: 'timeout' }
  | { kind: 'memory'; bytes: number }
  | { kind: 'exit' };

/**
 * Runs each job's PDF extraction and analysis in a pool of child processes, each with a hard time
 * limit, a heap limit, a resident-memory limit the pool enforces and an OS limit under it. Past a
 * limit the process and the programs it started are killed, its temporary files removed, a fresh
 * process started, and the job gets a DocumentsError naming the file being read and the limit,
 * which the processor fails without retry. Processes are reused from job to job: starting one
 * costs the loading of pdf.js and the language model, which would otherwise weigh on every job.
 */
export class AnalysisPool {
  private readonly slots: Array<AnalysisProcess | null>;
  private readonly free: number[];
  private readonly waiting: Array<(slot: number) => void> = [];
  private nextId = 0;
  private closed = false;
  /** Temporary directories of the jobs in hand, removed by close() too (a job cut short by it may not get to). */
  private readonly workDirs = new Set<string>();

  constructor(private readonly options: AnalysisPoolOptions) {
    this.slots = Array.from({ length: options.processes }, () => null);
    this.free = this.slots.map((_, index) => index);
  }

  /** Whether the OS limits are in force (prlimit installed); without them only the pool's watch holds. */
  get hardLimits(): boolean {
    return hardLimitsAvailable();
  }

  /** Starts every process and waits until each has loaded what a job needs. */
  async warmUp(): Promise<void> {
    await Promise.all(this.slots.map((_, index) => this.processAt(index).ready));
  }

  private processAt(index: number): AnalysisProcess {
    let current = this.slots[index];
    if (!current || current.exited) {
      current = new AnalysisProcess(this.options);
      this.slots[index] = current;
    }
    return current;
  }

  private acquire(): Promise<number> {
    const slot = this.free.pop();
    if (slot !== undefined) return Promise.resolve(slot);
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private release(slot: number): void {
    const next = this.waiting.shift();
    if (next) next(slot);
    else this.free.push(slot);
  }

  /**
   * Reads and analyses one job's documents in a process of the pool. Traced as an `analysis` span
   * with the process's steps (reading each document, OCR, matching, questions) under it.
   */
  analyse(resume: Buffer, jd: Buffer, onProgress: ProgressReporter): Promise<AnalysisResult> {
    return tracer.startActiveSpan('analysis', async (span: Span) => {
      try {
        return await this.analyseInPool(resume, jd, onProgress);
      } catch (error) {
        span.recordException(error instanceof Error ? error : String(error));
        span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
        throw error;
      } finally {
        span.end();
      }
    });
  }

  private async analyseInPool(resume: Buffer, jd: Buffer, onProgress: ProgressReporter): Promise<AnalysisResult> {
    if (this.closed) throw new Error('the analysis pool is closed');
    const slot = await this.acquire();
    const workDir = await mkdtemp(join(this.options.workRoot ?? tmpdir(), 'qa-analysis-'));
    this.workDirs.add(workDir);
    try {
      return await this.runIn(slot, workDir, resume, jd, onProgress);
    } finally {
      // Also what a killed process's programs left behind.
      await rm(workDir, { recursive: true, force: true });
      this.workDirs.delete(workDir);
      this.release(slot);
    }
  }

  private async runIn(slot: number, workDir: string, resume: Buffer, jd: Buffer, onProgress: ProgressReporter): Promise<AnalysisResult> {
    const { timeoutMs, processMemoryMb } = this.options;
    const worker = this.processAt(slot);
    await worker.ready;
    const id = ++this.nextId;
    let stage: string | undefined;
    // Progress is written in order; a failed write fails the attempt (it is retried like any other).
    let reported: Promise<void> = Promise.resolve();
    let timer: NodeJS.Timeout | undefined;
    let watch: NodeJS.Timeout | undefined;
    const limitBytes = processMemoryMb * 1024 * 1024;
    let peak = 0;
    let detach = () => undefined as void;
    const ending = await new Promise<Ending>((resolve) => {
      const onMessage = (message: ProcessMessage) => {
        if (!('id' in message) || message.id !== id) return;
        if (message.type === 'started') {
          timer = setTimeout(() => resolve({ kind: 'timeout' }), timeoutMs);
        } else if (message.type === 'stage') {
          stage = message.stage;
          const next = message.stage;
          reported = reported.then(() => onProgress(next));
        } else {
          resolve({ kind: 'done', outcome: message.outcome, timings: message.timings, steps: message.steps });
        }
      };
      const onExit = () => resolve({ kind: 'exit' });
      worker.child.on('message', onMessage);
      worker.child.once('exit', onExit);
      detach = () => {
        worker.child.off('message', onMessage);
        worker.child.off('exit', onExit);
      };
      watch = setInterval(() => {
        const bytes = worker.child.pid ? residentBytes(worker.child.pid) : 0;
        peak = Math.max(peak, bytes);
        if (bytes > limitBytes) resolve({ kind: 'memory', bytes });
      }, WATCH_MS);
      const task: AnalysisTask = {
        type: 'job',
        id,
        resume: new Uint8Array(resume),
        jd: new Uint8Array(jd),
        now: new Date().toISOString(),
        limits: this.options.limits,
        ocr: this.options.ocr ? { ...this.options.ocr, workDir } : null,
      };
      worker.child.send(task, (err) => {
        if (err) resolve({ kind: 'exit' });
      });
    });
    clearTimeout(timer);
    clearInterval(watch);
    detach();
    if (ending.kind !== 'done') {
      await worker.kill();
      // A fresh process loads while the job's failure is recorded, ready for the next one.
      if (!this.closed) this.processAt(slot);
    }
    const doing = stage === 'analyse' ? 'analysing' : 'reading';
    switch (ending.kind) {
      case 'timeout':
        throw limitProblem(
          stage,
          'timeout',
          (what) => `${doing} ${what} took longer than the limit of ${timeoutMs / 1000} s; the file may be built to stall a reader.`,
          `analysis process killed at the time limit (${timeoutMs} ms), stage ${stage ?? 'none'}`,
        );
      case 'memory':
        throw limitProblem(
          stage,
          'memory_limit',
          (what) => `${doing} ${what} needed more than the memory limit of ${processMemoryMb} MB; the file may be built to exhaust a reader.`,
          `analysis process killed at ${Math.round(ending.bytes / 1048576)} MB resident (limit ${processMemoryMb} MB), stage ${stage ?? 'none'}`,
        );
      case 'exit': {
        const detail = `analysis process ended during the job (${worker.describeExit()}), stage ${stage ?? 'none'}, peak ${Math.round(peak / 1048576)} MB`;
        // V8 ends the process this way when it cannot get memory (heap or OS limit).
        if (worker.exited?.signal === 'SIGTRAP' || worker.exited?.signal === 'SIGABRT' || /out of memory/i.test(worker.stderr)) {
          throw limitProblem(
            stage,
            'memory_limit',
            (what) => `${doing} ${what} needed more than the memory limit of ${processMemoryMb} MB; the file may be built to exhaust a reader.`,
            detail,
          );
        }
        // Not the document's fault as far as anyone can tell: retried like any other failure.
        throw new Error(detail);
      }
      case 'done':
        break;
    }
    await reported;
    recordSteps(ending.steps);
    const { outcome, timings } = ending;
    const timed = this.options.onStageTimed;
    if (timed) for (const [name, seconds] of Object.entries(timings)) timed(name as AnalysisStage, seconds);
    if (!outcome.ok) {
      throw new DocumentsError(
        outcome.problems.map(
          (p) => new DocumentError(p.file, p.reason as DocumentProblemReason, p.message, p.detail === undefined ? {} : { detail: p.detail }),
        ),
      );
    }
    if (!this.options.llm) return outcome.result;
    const started = performance.now();
    const result = await withModelQuestions(outcome.result, this.options.llm);
    timed?.('questions', (performance.now() - started) / 1000);
    return result;
  }

  /** Ends the processes; a job still running is abandoned (BullMQ hands it out again). */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.slots.map((worker) => (worker ? worker.kill() : Promise.resolve())));
    await Promise.all([...this.workDirs].map((dir) => rm(dir, { recursive: true, force: true })));
  }
}

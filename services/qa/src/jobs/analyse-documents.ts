import { DocumentError, DocumentsError, type AnalysisResult, type AnalysisStage } from '@app/resume-analysis';
import { isDocumentPart, type DocumentPart, type DocumentProblem, type JobError } from '../domain/qa-job';

/**
 * The one place the pipeline meets the analysis library (packages/resume-analysis): PDFs in,
 * a match report and interview questions out. Everything the worker needs from it goes through here.
 */
export type { AnalysisResult, AnalysisStage };

export { AnalysisPool, type AnalysisPoolOptions, type ProgressReporter } from './analysis-pool';

interface DocumentErrorLike {
  name?: unknown;
  message?: unknown;
  detail?: unknown;
  file?: unknown;
  reason?: unknown;
  errors?: unknown;
}

// By class, or by name when a second copy of the library module is loaded (BullMQ's UnrecoverableError
// and the library's errors both set `name` for this reason).
function isDocumentError(err: unknown): err is DocumentErrorLike {
  return err instanceof DocumentError || (err as DocumentErrorLike | null)?.name === 'DocumentError';
}

function isDocumentsError(err: unknown): err is DocumentErrorLike & { errors: unknown[] } {
  const e = err as DocumentErrorLike | null;
  return err instanceof DocumentsError || (e?.name === 'DocumentsError' && Array.isArray(e.errors));
}

function problemOf(err: DocumentErrorLike): DocumentProblem | null {
  if (typeof err.file !== 'string' || !isDocumentPart(err.file)) return null;
  return {
    file: err.file,
    reason: typeof err.reason === 'string' ? err.reason : 'malformed',
    message: typeof err.message === 'string' ? err.message : `The ${err.file} could not be read`,
  };
}

/**
 * What is wrong with the documents when the library refused them (DocumentError / DocumentsError);
 * null for any other error, which is treated as transient and retried.
 */
export function documentProblemOf(err: unknown): JobError | null {
  let problems: DocumentProblem[];
  if (isDocumentsError(err)) {
    problems = (err.errors as DocumentErrorLike[]).map(problemOf).filter((p): p is DocumentProblem => p !== null);
  } else if (isDocumentError(err)) {
    problems = [problemOf(err)].filter((p): p is DocumentProblem => p !== null);
  } else {
    return null;
  }
  const files = [...new Set(problems.map((p) => p.file))] as DocumentPart[];
  return {
    reason: 'invalid_document',
    message: problems.length > 0 ? [...new Set(problems.map((p) => p.message))].join(' ') : 'The documents could not be read.',
    files,
    problems,
  };
}

/**
 * What actually failed for each refused file (a program's or library's words): for the log, never
 * for the job's answer.
 */
export function documentDetailsOf(err: unknown): Array<{ file: unknown; reason: unknown; detail: string }> {
  const errors: DocumentErrorLike[] = isDocumentsError(err) ? (err.errors as DocumentErrorLike[]) : isDocumentError(err) ? [err] : [];
  return errors.filter((e) => typeof e.detail === 'string').map((e) => ({ file: e.file, reason: e.reason, detail: e.detail as string }));
}

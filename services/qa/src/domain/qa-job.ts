/** The two documents a job is made of, named as the multipart parts that carry them. */
export const DOCUMENT_PARTS = ['resume', 'jd'] as const;
export type DocumentPart = (typeof DOCUMENT_PARTS)[number];

export const JOB_STATUSES = ['queued', 'active', 'completed', 'failed'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

export function isDocumentPart(name: string): name is DocumentPart {
  return (DOCUMENT_PARTS as readonly string[]).includes(name);
}

export interface StoredFile {
  /** Id of the file in the file store: only ids travel through the queue. */
  fileId: string;
  name: string;
  size: number;
  sha256: string;
}

export interface DocumentProblem {
  file: DocumentPart;
  reason: string;
  message: string;
}

export interface JobError {
  /** `invalid_document` for a bad upload (never retried), `processing_failed` once retries ran out. */
  reason: string;
  message: string;
  files: DocumentPart[];
  problems?: DocumentProblem[];
}

export interface QaJob {
  id: string;
  owner: string;
  status: JobStatus;
  progress: number;
  stage: string;
  contentHash: string;
  files: Record<DocumentPart, StoredFile>;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  durationMs: number | null;
  attempts: number;
  result: unknown;
  error: JobError | null;
}

export function isFinished(status: JobStatus): boolean {
  return status === 'completed' || status === 'failed';
}

/** Where each stage of the worker puts the job's progress (0-100). */
export const STAGE_PROGRESS: Record<string, number> = {
  queued: 0,
  'parse-resume': 10,
  'parse-jd': 35,
  analyse: 60,
  store: 90,
  completed: 100,
};

// Job ids are UUIDs we generate; anything else cannot name a job, so it is a 404 without a query.
const JOB_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function isJobId(value: string): boolean {
  return JOB_ID.test(value);
}

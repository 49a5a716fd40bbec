import type { QaJob } from '../domain/qa-job';

/**
 * A job as the API shows it: no owner, no storage ids, the result only when asked for and there.
 * The result carries the lines it cites; every line of the documents only when asked for too, as
 * a report needs no more and each line is one more place a detail could slip through.
 */
export function jobView(job: QaJob, { withResult = true, withLines = false } = {}) {
  const view: Record<string, unknown> = {
    id: job.id,
    status: job.status,
    progress: job.progress,
    stage: job.stage,
    createdAt: job.createdAt.toISOString(),
    startedAt: job.startedAt?.toISOString() ?? null,
    finishedAt: job.finishedAt?.toISOString() ?? null,
    durationMs: job.durationMs,
    attempts: job.attempts,
    files: {
      resume: { name: job.files.resume.name, size: job.files.resume.size, sha256: job.files.resume.sha256 },
      jd: { name: job.files.jd.name, size: job.files.jd.size, sha256: job.files.jd.sha256 },
    },
  };
  if (withResult && job.status === 'completed') view.result = withLines ? job.result : withoutLines(job.result);
  if (job.status === 'failed' && job.error) view.error = job.error;
  return view;
}

/** The small progress record sent on the SSE stream. */
export function progressView(job: QaJob) {
  return { id: job.id, status: job.status, progress: job.progress, stage: job.stage, attempts: job.attempts };
}

export function jobLocation(id: string): string {
  return `/qa/jobs/${id}`;
}

function withoutLines(result: unknown): unknown {
  if (!isObject(result)) return result;
  const trimmed: Record<string, unknown> = { ...result };
  for (const document of ['resume', 'job']) {
    const part = result[document];
    if (isObject(part) && 'lines' in part) {
      const { lines: _lines, ...rest } = part;
      trimmed[document] = rest;
    }
  }
  return trimmed;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

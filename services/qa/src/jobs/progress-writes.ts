/** A running job's stage and how far along it is (0-100). */
export interface Progress {
  stage: string;
  progress: number;
}

/**
 * Passes a running job's progress on (to its record, or to waiters) at most once per `intervalMs`,
 * always ending with the latest: a stage reached within the interval of the last write is written
 * when the interval ends, if the job is still running then. A job of a few tens of milliseconds (most
 * of them) so costs no progress write at all, and a long one (OCR, a slow model) shows where it is
 * within about `intervalMs`.
 */
export class ProgressWrites {
  private written: Progress;
  private latest: Progress;
  private lastWriteAt: number;
  private timer?: NodeJS.Timeout;
  private writing: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(
    start: Progress,
    private readonly intervalMs: number,
    private readonly store: (progress: Progress) => Promise<void>,
    /** A deferred write that failed (a direct one throws to its caller instead). */
    private readonly onDeferredError: (err: unknown) => void,
  ) {
    this.written = this.latest = start;
    this.lastWriteAt = performance.now();
  }

  /** Notes the job's progress; waits for the write when one is due now. */
  async update(progress: Progress): Promise<void> {
    if (this.closed) return;
    this.latest = progress;
    const wait = this.lastWriteAt + this.intervalMs - performance.now();
    if (wait <= 0) {
      clearTimeout(this.timer);
      this.timer = undefined;
      await this.flush();
      return;
    }
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      this.flush().catch(this.onDeferredError);
    }, wait);
  }

  /** No more writes; resolves once one in flight has landed, so that it cannot follow the job's end. */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.writing.catch(() => undefined);
  }

  private flush(): Promise<void> {
    if (this.closed || this.latest === this.written) return this.writing;
    const next = (this.written = this.latest);
    this.lastWriteAt = performance.now();
    this.writing = this.writing.catch(() => undefined).then(() => this.store(next));
    return this.writing;
  }
}

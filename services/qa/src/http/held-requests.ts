import { AppError } from '@app/common';

// A held request lasts until its job finishes or its wait runs out; a few seconds frees some.
const RETRY_AFTER_SECONDS = 5;

/**
 * The instance-wide bound on requests held open (`Prefer: wait` uploads and event streams), across
 * all users: per-user quotas alone let many users together hold every socket and watcher.
 */
export class HeldRequests {
  private held = 0;

  constructor(private readonly max: number) {}

  get count(): number {
    return this.held;
  }

  /** Takes a place, or throws 503 `at_capacity`; the place is given back when the response closes. */
  holdUntilClosed(res: { once(event: 'close', listener: () => void): unknown }): void {
    if (this.held >= this.max) {
      throw AppError.atCapacity(
        RETRY_AFTER_SECONDS,
        `This instance is holding as many waits and event streams as it may (QA_MAX_HELD_REQUESTS, ${this.max}); try again shortly`,
        { limit: 'held_requests' },
      );
    }
    this.held += 1;
    res.once('close', () => {
      this.held -= 1;
    });
  }
}

import { observeEvents } from '@app/testkit/events';

export interface CapturedEvent {
  type: string;
  data: { userId: string; jobId: string };
}

/**
 * The qa.job.* events on the shared exchange; other test files publish there too, so readers ask for
 * their own job ids. Delivery is at least once and every telling of a job's end carries the same event
 * id, so each event is counted once however many times it arrived.
 */
export async function captureQaEvents() {
  const observed = await observeEvents(['qa.job.*']);
  return {
    of: (jobId: string): CapturedEvent[] => [
      ...new Map(
        observed.events
          .filter((event) => (event.data as Partial<CapturedEvent['data']> | undefined)?.jobId === jobId)
          .map(({ id, type, data }) => [id, { type, data: data as CapturedEvent['data'] }]),
      ).values(),
    ],
    /** The distinct event ids a job's events arrived under. */
    idsOf: (jobId: string): string[] => [
      ...new Set(observed.events.filter((event) => (event.data as Partial<CapturedEvent['data']> | undefined)?.jobId === jobId).map(({ id }) => id)),
    ],
    close: () => observed.close(),
  };
}

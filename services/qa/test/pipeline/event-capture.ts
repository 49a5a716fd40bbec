import { observeEvents } from '@app/tests/support/events';

export interface CapturedEvent {
  type: string;
  data: { userId: string; jobId: string };
}

/** The qa.job.* events on the shared exchange; other test files publish there too, so readers ask for their own job ids. */
export async function captureQaEvents() {
  const observed = await observeEvents(['qa.job.*']);
  return {
    of: (jobId: string): CapturedEvent[] =>
      observed.events
        .filter((event) => (event.data as Partial<CapturedEvent['data']> | undefined)?.jobId === jobId)
        .map(({ type, data }) => ({ type, data: data as CapturedEvent['data'] })),
    close: () => observed.close(),
  };
}

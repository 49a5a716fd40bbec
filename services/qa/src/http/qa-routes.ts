import { operationRouter, type IdentityKeys, type Metrics } from '@app/common';
import type { Router } from 'express';
import { HeldRequests } from './held-requests';
import { qaOperations, type QaContext } from './qa-operations';

export interface QaRouteDeps extends Omit<QaContext, 'held' | 'submitted' | 'refused'> {
  identitySecret: IdentityKeys;
  metrics: Metrics;
  /** `Prefer: wait` uploads and event streams this instance holds at once, for all users together. */
  maxHeldRequests: number;
}

/** The QA service's routes, one per operation; each needs the gateway's identity proof of a user. */
export function qaRoutes({ identitySecret, metrics, maxHeldRequests, ...deps }: QaRouteDeps): Router {
  const held = new HeldRequests(maxHeldRequests);
  metrics.gauge(
    'qa_held_requests',
    'Prefer: wait uploads and event streams this instance holds open (bound: QA_MAX_HELD_REQUESTS)',
    [],
    async (gauge) => {
      gauge.set(held.count);
    },
  );
  const context: QaContext = {
    ...deps,
    held,
    submitted: metrics.counter('qa_jobs_submitted_total', 'QA uploads accepted, by whether they made a new job', ['outcome']),
    refused: metrics.counter('qa_uploads_refused_total', 'QA uploads refused, by status', ['status']),
  };
  return operationRouter(qaOperations, context, { identity: identitySecret });
}

import { callerOf, methodNotAllowed, requireIdentity, type IdentityKeys } from '@app/common';
import { Router } from 'express';
import type { RecordService } from '../domain/record-service';

/**
 * The seed's caching demo. The per-user response cache is the gateway's; this answers with the
 * current server time, so a cached answer is recognisable by its unchanged timestamp.
 */
export function cachedDataRouter(records: RecordService, identitySecret: IdentityKeys): Router {
  const router = Router();
  for (const source of ['cached-data', 'cached-data-scope'] as const) {
    router
      .route(`/${source}`)
      .get(requireIdentity(identitySecret), async (req, res) => {
        const caller = callerOf(req);
        const recordCount = await records.countOf(caller.userId);
        res.json({ username: caller.userName, timestamp: new Date().toISOString(), recordCount, source });
      })
      .all(methodNotAllowed('GET, HEAD'));
  }
  return router;
}

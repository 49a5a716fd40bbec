import { callerOf, type Operation } from '@app/common';
import { cachedDataAnswer } from './record-answers';
import type { RecordsContext } from './record-operations';

/**
 * The seed's caching demo. The per-user response cache is the gateway's; this answers with the
 * current server time, so a cached answer is recognisable by its unchanged timestamp.
 */
export const cachedDataOperations: Operation<RecordsContext>[] = (['cached-data', 'cached-data-scope'] as const).map((source) => ({
  method: 'get',
  path: `/${source}`,
  operationId: source === 'cached-data' ? 'cachedData' : 'cachedDataScope',
  summary:
    source === 'cached-data'
      ? 'Per-user cached answer (the gateway caches it for 2 minutes per user)'
      : 'Same as /cached-data, user read from the request scope in the original',
  tags: ['caching demo'],
  responses: { 200: { description: 'The answer', body: cachedDataAnswer } },
  async handle(req, res, { records }) {
    const caller = callerOf(req);
    const recordCount = await records.countOf(caller.userId);
    res.json({ username: caller.userName, timestamp: new Date().toISOString(), recordCount, source });
  },
}));

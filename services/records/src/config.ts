import { env, loadConfig, outboxShape, serviceShape } from '@app/common';
import { z } from 'zod';

/** The records service's variables (`overrides` over process.env), validated once at start; nothing else reads process.env. */
export function loadRecordsConfig(overrides: NodeJS.ProcessEnv = {}) {
  return loadConfig(
    {
      ...serviceShape({ port: 8002, database: 'records' }),
      EVENTS_TRUSTED_PUBLISHERS: env.publishers(),
      USER_DELETED_QUEUE: z.string().min(1).max(200).default('records.user-deleted'),
      ...outboxShape,
      IDEMPOTENCY_KEY_TTL_HOURS: env.int(24, 1, 24 * 30),
    },
    { ...process.env, ...overrides },
  );
}

export type RecordsConfig = ReturnType<typeof loadRecordsConfig>;

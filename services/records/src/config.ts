import { baseShape, drainShape, env, loadConfig, outboxShape } from '@app/common';
import { z } from 'zod';

/** The records service's variables, validated once at start; nothing else reads process.env. */
export function loadRecordsConfig(source: NodeJS.ProcessEnv = process.env) {
  return loadConfig(
    {
      ...baseShape({ port: 8002 }),
      ...drainShape,
      IDENTITY_SECRET: env.secret(32),
      // Also accepted during a rotation of IDENTITY_SECRET (docs/operations.md); unset otherwise.
      IDENTITY_SECRET_PREVIOUS: env.optionalSecret(),
      MONGO_URL: env.url(['mongodb', 'mongodb+srv']),
      MONGO_DB: z
        .string()
        .regex(/^[A-Za-z0-9_-]{1,63}$/, 'must be a database name (letters, digits, _ and -)')
        .default('records'),
      AMQP_URL: env.url(['amqp', 'amqps']),
      EVENTS_EXCHANGE: z.string().min(1).max(200).default('app.events'),
      EVENTS_TRUSTED_PUBLISHERS: env.publishers(),
      USER_DELETED_QUEUE: z.string().min(1).max(200).default('records.user-deleted'),
      ...outboxShape,
      IDEMPOTENCY_KEY_TTL_HOURS: env.int(24, 1, 24 * 30),
    },
    source,
  );
}

export type RecordsConfig = ReturnType<typeof loadRecordsConfig>;

// First of all: when this file runs as a program with tracing configured, the instrumentations
// must be in place before express, ioredis, mongodb and amqplib load (keep these lines on top).
import { traceProcess } from '@app/common/tracing';
traceProcess('records', module);
import { dependency, EventOutbox, identityKeys, type EventOf, type RunningProcess } from '@app/common';
import { connectMongo, mongoOutboxStore } from '@app/common/mongo';
import { startService } from '@app/common/service';
import type { Model } from 'mongoose';
import { loadRecordsConfig } from './config';
import { IdempotencyKeyStore } from './data/idempotency-key-store';
import { RecordRepository } from './data/record-repository';
import { openRecordsDatabase } from './data/records-database';
import { RecordService } from './domain/record-service';
import { OutboxRecordEvents, upgradeRecordEntry } from './events/record-events';
import { consumeUserDeleted } from './events/user-deleted-consumer';
import { recordsRoutes } from './http/records-routes';
import { recordsOpenApi } from './openapi';

export type RunningService = RunningProcess;

const PURGE_KEYS_EVERY_MS = 10 * 60_000;

const records = startService('records', loadRecordsConfig, async (setup) => {
  const { config, logger, metrics } = setup;
  // Not setup.mongo(): a database named in the connect options would become the one credentials in
  // MONGO_URL authenticate against; useDb keeps their own (records-database.ts).
  const { connection, models } = openRecordsDatabase(setup.database(connectMongo(config.MONGO_URL, setup.logger)), config.MONGO_DB);
  // The unique `_id`s carry correctness; the compound indexes make each page cost the page (on FerretDB
  // too, which builds them as SQLite expression indexes): not ready until they exist.
  let indexesBuilt = false;
  void setup.prepare('mongodb indexes', async () => {
    await Promise.all(Object.values(models).map((model: Pick<Model<unknown>, 'createIndexes'>) => model.createIndexes()));
    indexesBuilt = true;
    logger.info('mongodb indexes ready');
  });

  const repository = new RecordRepository(models);
  const bus = setup.eventBus();
  const relay = new EventOutbox<EventOf<'records'>>(mongoOutboxStore(connection), bus, logger, {
    sweepMs: config.OUTBOX_SWEEP_MS,
    upgrade: upgradeRecordEntry,
    published: metrics.counter('records_events_published_total', 'Domain events published from the outbox', ['type']),
  });
  const records = new RecordService(
    repository,
    new IdempotencyKeyStore(models.idempotencyKeys, models.idempotencyTakeovers),
    new OutboxRecordEvents(relay),
    {
      idempotencyKeyTtlMs: config.IDEMPOTENCY_KEY_TTL_HOURS * 3_600_000,
    },
  );

  await bus.start();
  await consumeUserDeleted(bus, config.USER_DELETED_QUEUE, records, logger);
  relay.start();
  setup.onStop('outbox relay', () => relay.stop());
  setup.every('idempotency key purge', PURGE_KEYS_EVERY_MS, () => records.purgeExpiredKeys());

  const mongoReady = dependency.mongodb(connection, 'required');
  await setup.serve(
    {
      dependencies: [
        // Records live in MongoDB; events wait in the outbox (in MongoDB) while the broker is away.
        {
          name: 'mongodb',
          need: 'required',
          check: async () => {
            await mongoReady.check();
            if (!indexesBuilt) throw new Error('indexes not built yet');
          },
        },
        dependency.rabbitmq(bus, 'degradable'),
      ],
      openApi: recordsOpenApi(),
      routes: (app) => app.use(recordsRoutes({ identitySecret: identityKeys(config), records })),
    },
    config.PORT,
    { db: config.MONGO_DB },
  );
  return {};
});

/** Starts the records service; `overrides` are merged over process.env (tests pass PORT, MONGO_DB, ...). */
export const start = records.start;
/** Stops every records service `start()` made in this process. */
export const stop = records.stop;

if (require.main === module) void records.run();

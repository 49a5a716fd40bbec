// First of all: when this file runs as a program with tracing configured, the instrumentations
// must be in place before express, ioredis, mongodb and amqplib load (keep these lines on top).
import { traceProcess } from '@app/common/tracing';
traceProcess('records', module);
import {
  createLogger,
  createMetrics,
  createServiceApp,
  dependency,
  entryPoint,
  EventOutbox,
  identityKeys,
  portOf,
  processOptions,
  startProcess,
  type EventOf,
  type RunningProcess,
} from '@app/common';
import { connectMongo, mongoOutboxStore } from '@app/common/mongo';
import type { Model } from 'mongoose';
import { loadRecordsConfig } from './config';
import { IdempotencyKeyStore } from './data/idempotency-key-store';
import { RecordRepository } from './data/record-repository';
import { openRecordsDatabase } from './data/records-database';
import { RecordService } from './domain/record-service';
import { recordEvents, upgradeRecordEntry } from './events/record-events';
import { consumeUserDeleted } from './events/user-deleted-consumer';
import { cachedDataRouter } from './http/cached-data-router';
import { RECORDS_PATH, recordsRouter } from './http/records-router';
import { recordsOpenApi } from './openapi';

export type RunningService = RunningProcess;

const PURGE_KEYS_EVERY_MS = 10 * 60_000;

async function startRecords(overrides: NodeJS.ProcessEnv = {}): Promise<RunningService> {
  const config = loadRecordsConfig({ ...process.env, ...overrides });
  const logger = createLogger('records', config.LOG_LEVEL);
  const metrics = createMetrics('records');

  return startProcess({ logger, metrics, ...processOptions(config) }, async (setup) => {
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
    const bus = setup.eventBus({
      url: config.AMQP_URL,
      exchange: config.EVENTS_EXCHANGE,
      service: 'records',
      trustedPublishers: config.EVENTS_TRUSTED_PUBLISHERS,
    });
    const relay = new EventOutbox<EventOf<'records'>>(mongoOutboxStore(connection), bus, logger, {
      sweepMs: config.OUTBOX_SWEEP_MS,
      upgrade: upgradeRecordEntry,
      published: metrics.counter('records_events_published_total', 'Domain events published from the outbox', ['type']),
    });
    const records = new RecordService(repository, new IdempotencyKeyStore(models.idempotencyKeys, models.idempotencyTakeovers), recordEvents(relay), {
      idempotencyKeyTtlMs: config.IDEMPOTENCY_KEY_TTL_HOURS * 3_600_000,
    });

    await bus.start();
    await consumeUserDeleted(bus, config.USER_DELETED_QUEUE, records, logger);
    relay.start();
    setup.onStop('outbox relay', () => relay.stop());
    setup.every('idempotency key purge', PURGE_KEYS_EVERY_MS, () => records.purgeExpiredKeys());

    const mongoReady = dependency.mongodb(connection, 'required');
    const app = createServiceApp({
      service: 'records',
      logger,
      metrics,
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
      routes: (app) => {
        const openApi = recordsOpenApi();
        app.get('/openapi.json', (_req, res) => {
          res.json(openApi);
        });
        app.use(RECORDS_PATH, recordsRouter(records, identityKeys(config)));
        app.use(cachedDataRouter(records, identityKeys(config)));
      },
    });

    const server = await setup.listen(app, config.PORT, config.HOST);
    logger.info({ port: portOf(server), db: config.MONGO_DB }, 'records service listening');
    return {};
  });
}

const records = entryPoint('records', startRecords);
/** Starts the records service; `overrides` are merged over process.env (tests pass PORT, MONGO_DB, ...). */
export const start = records.start;
/** Stops every records service `start()` made in this process. */
export const stop = records.stop;

if (require.main === module) void records.run();

import {
  closeServer,
  createLogger,
  createMetrics,
  createServiceApp,
  dependency,
  EventBus,
  listen,
  once,
  portOf,
  runMain,
  withTimeout,
  type Logger,
} from '@app/common';
import { ConnectionStates } from 'mongoose';
import { loadRecordsConfig } from './config';
import { IdSequence } from './data/id-sequence';
import { IdempotencyKeyStore } from './data/idempotency-key-store';
import { IndexBuilder } from './data/index-builder';
import { KeyedSerialQueue } from './data/keyed-serial-queue';
import { OutboxStore } from './data/outbox-store';
import { RecordRepository } from './data/record-repository';
import { openRecordsDatabase } from './data/records-database';
import { RecordService } from './domain/record-service';
import { OutboxRelay } from './events/outbox-relay';
import { consumeUserDeleted } from './events/user-deleted-consumer';
import { cachedDataRouter } from './http/cached-data-router';
import { RECORDS_PATH, recordsRouter } from './http/records-router';
import { recordsOpenApi } from './openapi';

export interface RunningService {
  port: number;
  url: string;
  logger: Logger;
  stop: () => Promise<void>;
}

const PURGE_KEYS_EVERY_MS = 10 * 60_000;

/** Starts the records service; `overrides` are merged over process.env (tests pass PORT, MONGO_DB, ...). */
export async function start(overrides: NodeJS.ProcessEnv = {}): Promise<RunningService> {
  const config = loadRecordsConfig({ ...process.env, ...overrides });
  const logger = createLogger('records', config.LOG_LEVEL);
  const metrics = createMetrics('records');

  const { client, connection, models } = openRecordsDatabase(config.MONGO_URL, config.MONGO_DB, logger);
  const indexes = new IndexBuilder(connection, models, logger);
  void indexes.ensure();

  const serial = new KeyedSerialQueue();
  const repository = new RecordRepository(connection, models.recordIds, new IdSequence(models.counters, serial, 'records'), serial);
  // Records an earlier version kept in one shared collection move to their owners' collections.
  const adoptShared = () =>
    repository
      .adoptShared(models.sharedRecords)
      .then((moved) => moved > 0 && logger.info({ moved }, 'records moved to their owners\' collections'))
      .catch((err: unknown) => logger.warn({ err: String(err) }, 'moving records to their owners\' collections failed, will retry'));
  connection.on('connected', () => void adoptShared());
  if (connection.readyState === ConnectionStates.connected) void adoptShared();
  const bus = new EventBus({
    url: config.AMQP_URL,
    exchange: config.EVENTS_EXCHANGE,
    service: 'records',
    logger,
    trustedPublishers: config.EVENTS_TRUSTED_PUBLISHERS,
  });
  const relay = new OutboxRelay(new OutboxStore(models.outbox), bus, logger, {
    sweepMs: config.OUTBOX_SWEEP_MS,
    published: metrics.counter('records_events_published_total', 'Domain events published from the outbox', ['type']),
  });
  const records = new RecordService(repository, new IdempotencyKeyStore(models.idempotencyKeys), relay, {
    idempotencyKeyTtlMs: config.IDEMPOTENCY_KEY_TTL_HOURS * 3_600_000,
  });

  await bus.start();
  await consumeUserDeleted(bus, config.USER_DELETED_QUEUE, records, logger);
  relay.start();
  const purgeTimer = setInterval(() => {
    records.purgeExpiredKeys().catch((err: unknown) => logger.warn({ err: String(err) }, 'purging idempotency keys failed'));
  }, PURGE_KEYS_EVERY_MS);
  purgeTimer.unref();

  const mongoReady = dependency.mongodb(connection);
  const app = createServiceApp({
    service: 'records',
    logger,
    metrics,
    dependencies: [
      {
        name: 'mongodb',
        check: async () => {
          await mongoReady.check();
          if (!indexes.isBuilt()) {
            await indexes.ensure();
            if (!indexes.isBuilt()) throw new Error('indexes not built yet');
          }
        },
      },
      dependency.rabbitmq(bus),
    ],
    routes: (app) => {
      const openApi = recordsOpenApi();
      app.get('/openapi.json', (_req, res) => {
        res.json(openApi);
      });
      app.use(RECORDS_PATH, recordsRouter(records, config.IDENTITY_SECRET));
      app.use(cachedDataRouter(records, config.IDENTITY_SECRET));
    },
  });

  const server = await listen(app, config.PORT, config.HOST);
  const port = portOf(server);
  logger.info({ port, db: config.MONGO_DB }, 'records service listening');

  const stop = once(async () => {
    await closeServer(server);
    clearInterval(purgeTimer);
    await relay.stop();
    // Bounded: amqplib's close waits for the broker's close-ok, which never comes if the link dies meanwhile.
    await withTimeout(bus.close(), 3000, 'closing the event bus').catch((err: unknown) =>
      logger.warn({ err: String(err) }, 'event bus did not close cleanly'),
    );
    await client.close();
  });
  return { port, url: `http://127.0.0.1:${port}`, logger, stop };
}

if (require.main === module) void runMain('records', () => start());

import { randomUUID } from 'node:crypto';
import amqp from 'amqplib';
import express from 'express';
import { boundedLabel, createLogger, createMetrics, startProcess, type Metrics } from '@app/common';
import { connectMongo } from '@app/common/mongo';
import { AMQP_URL, MONGO_URL, REDIS_URL, dropDatabase } from '@app/testkit/servers';
import { waitFor } from '@app/testkit/wait';

const logger = createLogger('store-metrics-test', 'silent');

/** The count of `store_request_duration_seconds` for the labels given (the others summed over). */
async function roundTrips(metrics: Metrics, labels: Record<string, string>): Promise<number> {
  const { values } = await metrics.storeDuration.get();
  return values
    .filter(
      (v) =>
        v.metricName === 'store_request_duration_seconds_count' &&
        Object.entries(labels).every(([k, l]) => (v.labels as Record<string, string | number | undefined>)[k] === l),
    )
    .reduce((sum, v) => sum + v.value, 0);
}

async function counted(metrics: Metrics, name: string, labels: Record<string, string>): Promise<number> {
  const metric = metrics.registry.getSingleMetric(name);
  const { values } = await metric!.get();
  return values.filter((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l)).reduce((sum, v) => sum + v.value, 0);
}

describe('store round trips and event outcomes in a process started by startProcess', () => {
  it('when past the bound of distinct values, then every new value is other', () => {
    const label = boundedLabel(2);
    expect(['find', 'insert', 'update', 'find', 'delete'].map(label)).toEqual(['find', 'insert', 'other', 'find', 'other']);
  });

  it('when its Redis client sends commands, then each is timed once under its name and outcome, and a blocking read is not timed', async () => {
    const metrics = createMetrics('store-metrics-test');
    const key = `store-metrics-${randomUUID()}`;
    const running = await startProcess({ logger, metrics, shutdownMs: 2000 }, async (setup) => {
      const redis = setup.redis(REDIS_URL, 'probe');
      if (redis.status !== 'ready') await new Promise((resolve) => redis.once('ready', resolve));
      await redis.set(key, 'v', 'PX', 5000);
      await redis.get(key);
      await redis.get(key);
      await expect(redis.call('hget', key, 'field')).rejects.toThrow(/WRONGTYPE/);
      // Waits its whole timeout on an empty list: that is waiting, not a round trip.
      await redis.blpop(`${key}-empty`, 0.1);
      await setup.listen(express(), 0, '127.0.0.1');
      return {};
    });
    try {
      expect(await roundTrips(metrics, { store: 'redis', client: 'probe', operation: 'get', outcome: 'ok' })).toBe(2);
      expect(await roundTrips(metrics, { store: 'redis', client: 'probe', operation: 'set', outcome: 'ok' })).toBe(1);
      expect(await roundTrips(metrics, { store: 'redis', client: 'probe', operation: 'hget', outcome: 'error' })).toBe(1);
      expect(await roundTrips(metrics, { store: 'redis', operation: 'blpop' })).toBe(0);
    } finally {
      await running.stop();
    }
  });

  it('when its MongoDB connection runs commands, then the driver times each under the command name', async () => {
    const metrics = createMetrics('store-metrics-test');
    const db = `store-metrics-${randomUUID()}`;
    const running = await startProcess({ logger, metrics, shutdownMs: 2000 }, async (setup) => {
      const connection = setup.database(connectMongo(MONGO_URL, setup.logger, db));
      await connection.asPromise();
      await connection.collection('probes').insertOne({ at: new Date() });
      await connection.collection('probes').find({}).toArray();
      await setup.listen(express(), 0, '127.0.0.1');
      return {};
    });
    try {
      expect(await roundTrips(metrics, { store: 'mongodb', client: 'mongoose', operation: 'insert', outcome: 'ok' })).toBe(1);
      expect(await roundTrips(metrics, { store: 'mongodb', client: 'mongoose', operation: 'find', outcome: 'ok' })).toBe(1);
    } finally {
      await running.stop();
      await dropDatabase(db);
    }
  });

  it('when events are published and consumed, then the broker confirm is timed and each delivery is counted by what became of it', async () => {
    const metrics = createMetrics('store-metrics-test');
    const exchange = `test-events-${randomUUID()}`;
    const queue = `user-deleted-${randomUUID()}`;
    let failures = 1;
    const running = await startProcess({ logger, metrics, shutdownMs: 5000 }, async (setup) => {
      const bus = setup.eventBus({ url: AMQP_URL, service: 'store-metrics-test', exchange });
      // Fails the first delivery: it is put back, then handled.
      await bus.subscribe(queue, ['user.deleted'], async () => {
        if (failures-- > 0) throw new Error('not yet');
      });
      await bus.start();
      expect(await bus.publishConfirmed('user.deleted', { userId: randomUUID(), username: 'gone' })).toBe(true);
      await setup.listen(express(), 0, '127.0.0.1');
      return {};
    });
    const connection = await amqp.connect(AMQP_URL);
    const channel = await connection.createConfirmChannel();
    try {
      expect(await roundTrips(metrics, { store: 'rabbitmq', client: 'events', operation: 'publish', outcome: 'ok' })).toBe(1);
      // Not JSON: dead-lettered without reaching the handler.
      channel.publish(exchange, 'user.deleted', Buffer.from('not json'), { persistent: true });
      await channel.waitForConfirms();
      await waitFor('the three deliveries to be counted', async () => {
        const outcomes = await Promise.all(
          ['requeued', 'acked', 'dead_lettered'].map((outcome) => counted(metrics, 'events_consumed_total', { queue, outcome })),
        );
        return outcomes.every((n) => n === 1) || undefined;
      });
      expect(await counted(metrics, 'events_unsent', {})).toBe(0);
    } finally {
      await running.stop();
      for (const name of [queue, `${queue}.dead`]) await channel.deleteQueue(`${exchange}.${name}`).catch(() => undefined);
      for (const name of [exchange, `${exchange}.dead`]) await channel.deleteExchange(name).catch(() => undefined);
      await connection.close().catch(() => undefined);
    }
  });
});

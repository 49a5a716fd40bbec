import amqp from 'amqplib';
import type { EventEnvelope } from '@app/common';
import { AMQP_URL } from './servers';
import { waitFor } from './wait';

export interface ObservedEvents {
  events: EventEnvelope[];
  /** The first event `predicate` accepts, waiting for it if it has not come yet. */
  waitFor(predicate: (event: EventEnvelope) => boolean, timeoutMs?: number): Promise<EventEnvelope>;
  close(): Promise<void>;
}

/**
 * Collects the events of an exchange (the shared `app.events` unless named) on a private queue that
 * goes with the connection. Other test files publish there too, so readers filter by their own ids.
 */
export async function observeEvents(routingKeys: string[], { exchange = 'app.events' } = {}): Promise<ObservedEvents> {
  const connection = await amqp.connect(AMQP_URL);
  const channel = await connection.createChannel();
  await channel.assertExchange(exchange, 'topic', { durable: true });
  const { queue } = await channel.assertQueue('', { exclusive: true, autoDelete: true, durable: false });
  for (const key of routingKeys) await channel.bindQueue(queue, exchange, key);
  const events: EventEnvelope[] = [];
  await channel.consume(
    queue,
    (message) => {
      if (message) events.push(JSON.parse(message.content.toString('utf8')) as EventEnvelope);
    },
    { noAck: true },
  );
  return {
    events,
    waitFor: (predicate, timeoutMs = 5000) =>
      waitFor('a matching event', () => events.find(predicate), {
        timeoutMs,
        intervalMs: 25,
        detail: () => `saw ${JSON.stringify(events.map((e) => e.type))}`,
      }),
    async close() {
      await channel.close().catch(() => undefined);
      await connection.close().catch(() => undefined);
    },
  };
}

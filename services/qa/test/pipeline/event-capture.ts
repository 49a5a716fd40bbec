import amqp, { type ChannelModel } from 'amqplib';
import { AMQP_URL } from './support';

export interface CapturedEvent {
  type: string;
  data: { userId: string; jobId: string };
}

/**
 * Listens to qa.job.* on the shared exchange through a private, auto-deleted queue; other test
 * files publish there too, so readers filter by their own job ids.
 */
export async function captureQaEvents() {
  const connection: ChannelModel = await amqp.connect(AMQP_URL);
  const channel = await connection.createChannel();
  await channel.assertExchange('app.events', 'topic', { durable: true });
  const { queue } = await channel.assertQueue('', { exclusive: true, autoDelete: true, durable: false });
  await channel.bindQueue(queue, 'app.events', 'qa.job.*');
  const events: CapturedEvent[] = [];
  await channel.consume(
    queue,
    (message) => {
      if (!message) return;
      const envelope = JSON.parse(message.content.toString('utf8')) as CapturedEvent;
      events.push({ type: envelope.type, data: envelope.data });
    },
    { noAck: true },
  );
  return {
    events,
    of: (jobId: string) => events.filter((e) => e.data?.jobId === jobId),
    close: () => connection.close().catch(() => undefined),
  };
}

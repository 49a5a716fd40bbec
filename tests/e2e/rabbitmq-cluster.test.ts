import { randomUUID } from 'node:crypto';
import amqp from 'amqplib';
import { EventBus, createLogger } from '@app/common';
import { startRabbitMqCluster, type RabbitMqCluster } from '@app/infra/rabbitmq-cluster';
import { freePort } from '@app/infra';
import { waitFor } from '@app/testkit/wait';

// Three native RabbitMQ nodes on this host (docs/events.md says what it costs): the event bus's quorum
// queue is meant to lose nothing when a node goes, the one holding the queue's leader included.
let cluster: RabbitMqCluster;

beforeAll(async () => {
  const ports = [await freePort(), await freePort(), await freePort()];
  cluster = await startRabbitMqCluster({ ports, name: `rabbitmq-cluster-${ports[0]}` });
}, 240_000);

afterAll(async () => {
  await cluster?.stop();
}, 120_000);

describe('events on a three-node RabbitMQ cluster', () => {
  it('when the node holding the queue leader stops while events are published, then every event is delivered', async () => {
    const exchange = `cluster-${randomUUID().slice(0, 8)}.events`;
    const queue = `records.cluster-${randomUUID()}`;
    const [first, second, third] = cluster.nodes as [(typeof cluster.nodes)[0], (typeof cluster.nodes)[0], (typeof cluster.nodes)[0]];
    // Declared through the third node, so the queue's leader is there (RabbitMQ places it on the
    // declaring node), with the arguments the bus declares it with.
    const declaring = await amqp.connect(third.url);
    try {
      const channel = await declaring.createChannel();
      await channel.assertQueue(`${exchange}.${queue}`, {
        durable: true,
        arguments: {
          'x-queue-type': 'quorum',
          'x-delivery-limit': 5,
          'x-dead-letter-exchange': `${exchange}.dead`,
          'x-dead-letter-routing-key': `${exchange}.${queue}`,
        },
      });
    } finally {
      await declaring.close();
    }

    const logger = createLogger('cluster-test', 'silent');
    expect(await cluster.queueLeader(`${exchange}.${queue}`)).toBe(third.node);

    const consumer = new EventBus({ url: second.url, service: 'records', logger, exchange });
    const publisher = new EventBus({ url: first.url, service: 'records', logger, exchange });
    const received: number[] = [];
    try {
      await consumer.subscribe(queue, ['record.created'], async (event) => void received.push(event.data.recordId));
      await consumer.start();
      await publisher.start();
      // Published until well after the node is gone, so some go out before, during and after its stop.
      let total = 0;
      let stopped = false;
      let afterStop = 0;
      let stopping: Promise<void> | undefined;
      while (afterStop < 100) {
        total += 1;
        if (total === 100) stopping = third.stop().then(() => void (stopped = true));
        await publisher.publish('record.created', { userId: 'cluster-user', recordId: total });
        if (stopped) afterStop += 1;
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      await stopping;
      expect(total).toBeGreaterThan(200);
      // A new leader was elected among the two nodes left.
      expect([first.node, second.node]).toContain(await cluster.queueLeader(`${exchange}.${queue}`));
      await waitFor('every event to be confirmed', () => (publisher.pendingCount() === 0 ? true : undefined), { timeoutMs: 60_000, intervalMs: 200 });
      await waitFor('every event to arrive', () => (new Set(received).size === total ? true : undefined), {
        timeoutMs: 60_000,
        intervalMs: 200,
        detail: () => `${new Set(received).size} of ${total} arrived`,
      });
      // At least once: a delivery cut by the leader's move may come again, never less than once.
      expect([...new Set(received)].sort((a, b) => a - b)).toEqual(Array.from({ length: total }, (_, i) => i + 1));
      expect(received.length).toBeGreaterThanOrEqual(total);
    } finally {
      await publisher.close();
      await consumer.close();
    }
  }, 180_000);
});

import { randomUUID } from 'node:crypto';
import amqp, { type ChannelModel, type ConfirmChannel } from 'amqplib';
import { AMQP_URL, connectDatabase } from '@app/testkit/servers';
import { waitFor } from '@app/testkit/wait';
import { newUser, startRecords, type RecordsUnderTest } from './support/records-harness';

// An exchange of its own, so the dead-letter queue holds this test's messages and nobody else's.
const exchange = `test-records-events-${randomUUID()}`;
let records: RecordsUnderTest;
let connection: ChannelModel;
let channel: ConfirmChannel;

const userDeleted = (data: unknown) =>
  Buffer.from(JSON.stringify({ id: randomUUID(), type: 'user.deleted', source: 'auth', occurredAt: new Date().toISOString(), data }));

beforeAll(async () => {
  // A short sweep, so entries written straight into the outbox go out quickly.
  records = await startRecords({ EVENTS_EXCHANGE: exchange, OUTBOX_POLL_MS: '200', OUTBOX_SWEEP_MS: '200' });
  connection = await amqp.connect(AMQP_URL);
  channel = await connection.createConfirmChannel();
});

afterAll(async () => {
  await records?.stop();
  for (const name of [records?.queue, `${records?.queue}.dead`]) await channel?.deleteQueue(`${exchange}.${name}`).catch(() => undefined);
  for (const name of [exchange, `${exchange}.dead`]) await channel?.deleteExchange(name).catch(() => undefined);
  await connection?.close().catch(() => undefined);
});

describe('a user.deleted that breaks the event contract', () => {
  it('when it carries no valid user id, then it is dead-lettered and deletes nothing', async () => {
    const bystander = newUser();
    for (let i = 0; i < 2; i += 1) await records.create(bystander);
    const forged = [{ userId: { $ne: null }, username: 'x' }, { userId: { $exists: true } }, { userId: '' }, {}, null];
    for (const data of forged) channel.publish(exchange, 'user.deleted', userDeleted(data), { persistent: true });
    await channel.waitForConfirms();

    // A valid event sent after them is handled after them (one queue, in order).
    const marker = newUser();
    await records.create(marker);
    channel.publish(exchange, 'user.deleted', userDeleted({ userId: marker.id, username: marker.name }), { persistent: true });
    await channel.waitForConfirms();
    await waitFor('the marker user to be removed', async () =>
      (await records.call(marker, 'GET', '/records/')).body.total === 0 ? true : undefined,
    );

    expect((await records.call(bystander, 'GET', '/records/')).body.total).toBe(2);
    const dead = await waitFor('the forged events in the dead-letter queue', async () => {
      const { messageCount } = await channel.checkQueue(`${exchange}.${records.queue}.dead`);
      return messageCount === forged.length ? messageCount : undefined;
    });
    expect(dead).toBe(forged.length);
  });
});

describe('an outbox entry that breaks the event contract', () => {
  it('when the relay meets it, then it is set aside and the entries after it still go out', async () => {
    const { queue } = await channel.assertQueue('', { exclusive: true, autoDelete: true });
    await channel.bindQueue(queue, exchange, 'record.*');
    const seen: Array<{ type: string; data: { userId: string; recordId: number } }> = [];
    await channel.consume(queue, (message) => message && seen.push(JSON.parse(message.content.toString('utf8'))), { noAck: true });

    const database = await connectDatabase(records.db);
    try {
      const outbox = database.collection('outbox');
      const owner = `after-${randomUUID()}`;
      const createdAt = new Date(Date.now() - 60_000);
      // Written by an older version, or by hand: no owner, and an id the contract refuses.
      await outbox.insertOne({ type: 'record.created', data: { owner: '', id: 0 }, createdAt, sentAt: null });
      await outbox.insertOne({ type: 'record.created', data: { owner, id: 5 }, createdAt: new Date(createdAt.getTime() + 1), sentAt: null });
      const events = await waitFor('the entry after the broken one', async () => {
        const mine = seen.filter((event) => event.data.userId === owner);
        return mine.length > 0 ? mine : undefined;
      });
      expect(events).toEqual([expect.objectContaining({ type: 'record.created', data: { userId: owner, recordId: 5 } })]);
      expect(seen.filter((event) => event.data.userId === '')).toEqual([]);
      expect(await outbox.countDocuments({ 'data.owner': '', sentAt: null })).toBe(0);
    } finally {
      await database.close();
    }
  });
});

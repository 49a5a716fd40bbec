import { randomUUID } from 'node:crypto';
import amqp, { type ChannelModel, type ConfirmChannel } from 'amqplib';
import { AMQP_URL, newUser, startRecords, waitFor, type RecordsUnderTest } from './support/records-harness';

// An exchange of its own, so the dead-letter queue holds this test's messages and nobody else's.
const exchange = `test-records-events-${randomUUID()}`;
let records: RecordsUnderTest;
let connection: ChannelModel;
let channel: ConfirmChannel;

const userDeleted = (data: unknown) =>
  Buffer.from(JSON.stringify({ id: randomUUID(), type: 'user.deleted', source: 'auth', occurredAt: new Date().toISOString(), data }));

beforeAll(async () => {
  records = await startRecords({ EVENTS_EXCHANGE: exchange });
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

import { randomUUID } from 'node:crypto';
import type { Connection } from 'mongoose';
import { createLogger, EventBus } from '@app/common';
import { observeEvents, type ObservedEvents } from '@app/testkit/events';
import { AMQP_URL, connectDatabase } from '@app/testkit/servers';
import { waitFor } from '@app/testkit/wait';
import { newUser, startRecords, type RecordsUnderTest } from './support/records-harness';

let records: RecordsUnderTest;
let observed: ObservedEvents;
let database: Connection;

beforeAll(async () => {
  records = await startRecords({ OUTBOX_SWEEP_MS: '200' });
  observed = await observeEvents(['record.*']);
  database = await connectDatabase(records.db);
});

afterAll(async () => {
  await observed?.close();
  await database?.close();
  await records?.stop();
});

// Delivery is at least once and a repeat keeps its id: the events of a user, each counted once.
const eventsOf = (owner: string) => [
  ...new Map(observed.events.filter((event) => (event.data as { userId?: string }).userId === owner).map((event) => [event.id, event])).values(),
];

describe('published events', () => {
  it('when a record is created, updated and deleted, then record.created, record.updated and record.deleted go out with {userId, recordId}', async () => {
    const user = newUser();
    const { body: record } = await records.create(user);
    await records.call(user, 'PATCH', `/records/${record.id}`, { body: { description: 'changed' } });
    await records.call(user, 'DELETE', `/records/${record.id}`);

    const events = await waitFor('three record events', async () => (eventsOf(user.id).length >= 3 ? eventsOf(user.id) : undefined));
    expect(events.map((event) => event.type)).toEqual(['record.created', 'record.updated', 'record.deleted']);
    for (const event of events) {
      expect(event.data).toEqual({ userId: user.id, recordId: record.id });
      expect(event.source).toBe('records');
      expect(event.requestId).toEqual(expect.any(String));
    }

    // The outbox holds only what the broker has not confirmed: once published, the entries are gone.
    await waitFor('the outbox to empty', async () =>
      (await database.collection('outbox').countDocuments({ 'data.owner': user.id })) === 0 ? true : undefined,
    );
  });

  it('when a write is refused, then no event goes out', async () => {
    const owner = newUser();
    const stranger = newUser();
    const { body: record } = await records.create(owner);
    await records.call(stranger, 'DELETE', `/records/${record.id}`);
    await records.call(owner, 'PATCH', `/records/${record.id}`, { body: { description: 'x' }, headers: { 'If-Match': '"0-0"' } });
    await waitFor('the created event', async () => (eventsOf(owner.id).length >= 1 ? true : undefined));
    // A marker event written after the refused writes arrives only after anything they could have sent.
    await records.call(owner, 'DELETE', `/records/${record.id}`);
    const events = await waitFor('the deleted event', async () => (eventsOf(owner.id).length >= 2 ? eventsOf(owner.id) : undefined));
    expect(events.map((event) => event.type)).toEqual(['record.created', 'record.deleted']);
    expect(eventsOf(stranger.id)).toEqual([]);
  });

  it('when an outbox entry was left unsent (a crash before publishing), then the sweep publishes it and removes it', async () => {
    const owner = `crashed-${randomUUID()}`;
    const left = await database
      .collection('outbox')
      .insertOne({ type: 'record.created', data: { owner, id: 424242 }, createdAt: new Date(Date.now() - 60_000) });
    const events = await waitFor('the left-behind event', async () => (eventsOf(owner).length >= 1 ? eventsOf(owner) : undefined));
    expect(events[0]).toMatchObject({ type: 'record.created', data: { userId: owner, recordId: 424242 } });
    await waitFor('the entry to go', async () =>
      (await database.collection('outbox').countDocuments({ _id: left.insertedId })) === 0 ? true : undefined,
    );
  });
});

describe('consumed events', () => {
  it("when user.deleted arrives, then that user's records are removed, others' stay, and a repeat is harmless", async () => {
    const doomed = newUser();
    const bystander = newUser();
    for (let i = 0; i < 3; i += 1) await records.create(doomed);
    await records.create(bystander);

    const bus = new EventBus({ url: AMQP_URL, service: 'records-test', logger: createLogger('records-test', 'silent') });
    try {
      await bus.start();
      await bus.publish('user.deleted', { userId: doomed.id, username: doomed.name });
      await waitFor('the records to be removed', async () => ((await records.call(doomed, 'GET', '/records/')).body.total === 0 ? true : undefined));
      await bus.publish('user.deleted', { userId: doomed.id, username: doomed.name });
      // A later event for someone else proves the ones before it were handled (one queue, in order).
      const marker = newUser();
      await records.create(marker);
      await bus.publish('user.deleted', { userId: marker.id, username: marker.name });
      await waitFor('the marker user to be removed', async () =>
        (await records.call(marker, 'GET', '/records/')).body.total === 0 ? true : undefined,
      );
    } finally {
      await bus.close();
    }
    expect((await records.call(bystander, 'GET', '/records/')).body.total).toBe(1);
    expect((await records.call(doomed, 'GET', '/cached-data')).body.recordCount).toBe(0);
  });
});

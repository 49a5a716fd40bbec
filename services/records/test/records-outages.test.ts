import { observeEvents } from '@app/testkit/events';
import { AMQP_URL, MONGO_URL, connectDatabase } from '@app/testkit/servers';
import { waitFor } from '@app/testkit/wait';
import { newUser, startRecords } from './support/records-harness';
import { TcpProxy } from '@app/testkit/tcp-proxy';

const portOf = (url: string) => Number(new URL(url).port || 0);

describe('when MongoDB is away', () => {
  it('then record routes answer 503 JSON quickly, /ready says so, and all works again once it is back', async () => {
    const proxy = new TcpProxy(portOf(MONGO_URL) || 27017, new URL(MONGO_URL).hostname);
    await proxy.open();
    const records = await startRecords({ MONGO_URL: `mongodb://127.0.0.1:${proxy.port}/` });
    try {
      const user = newUser();
      const before = await records.create(user);
      expect(before.status).toBe(201);

      await proxy.close();
      const routes = [
        ['POST', '/records/', { option_type: 'a', description: 'b', status: 'c' }],
        ['GET', '/records/', undefined],
        ['GET', `/records/${before.body.id}`, undefined],
        ['PATCH', `/records/${before.body.id}`, { description: 'x' }],
        ['PUT', `/records/${before.body.id}`, { description: 'x' }],
        ['DELETE', `/records/${before.body.id}`, undefined],
        ['GET', '/cached-data', undefined],
      ] as const;
      const answers = await Promise.all(
        routes.map(async ([method, path, body]) => {
          const started = Date.now();
          const answer = await records.call(user, method, path, body === undefined ? {} : { body });
          return { method, path, status: answer.status, code: answer.body?.error?.code, elapsed: Date.now() - started };
        }),
      );
      for (const answer of answers) {
        expect(answer).toEqual({ method: answer.method, path: answer.path, status: 503, code: 'service_unavailable', elapsed: expect.any(Number) });
        // The contract is "no hang": the driver's server selection gives up after 1.5 s.
        expect(answer.elapsed).toBeLessThan(2000);
      }
      const ready = await records.call(null, 'GET', '/ready');
      expect(ready.status).toBe(503);
      expect(ready.body.error.details.checks.mongodb).toBe('down');
      expect((await records.call(null, 'GET', '/health')).status).toBe(200);

      await proxy.open();
      await waitFor(
        'records to answer again',
        async () => ((await records.call(user, 'GET', '/records/')).status === 200 ? true : undefined),
        20_000,
      );
      const after = await records.create(user);
      expect(after.status).toBe(201);
      const listed = await records.call(user, 'GET', '/records/');
      expect(listed.body.items.map((r: { id: number }) => r.id)).toEqual([after.body.id, before.body.id]);
    } finally {
      await records.stop();
      await proxy.close();
    }
  });

  it('then a service started without it still starts, answers 503 on records routes and 200 on /health', async () => {
    const unused = new TcpProxy(1);
    await unused.open();
    await unused.close(); // a port nothing listens on
    const records = await startRecords({ MONGO_URL: `mongodb://127.0.0.1:${unused.port}/` }, { waitReady: false });
    try {
      const user = newUser();
      const answer = await records.create(user);
      expect(answer.status).toBe(503);
      expect(answer.body.error).toMatchObject({ code: 'service_unavailable', requestId: expect.any(String) });
      expect((await records.call(user, 'GET', '/records/')).status).toBe(503);
      expect((await records.call(null, 'GET', '/ready')).status).toBe(503);
      expect((await records.call(null, 'GET', '/health')).status).toBe(200);
    } finally {
      await records.stop();
    }
  });
});

describe('when RabbitMQ is away', () => {
  it('then writes still succeed and their events go out once the broker is back', async () => {
    const proxy = new TcpProxy(portOf(AMQP_URL) || 5672, new URL(AMQP_URL).hostname);
    await proxy.open();
    await proxy.close();
    const brokerUrl = new URL(AMQP_URL);
    brokerUrl.host = `127.0.0.1:${proxy.port}`;

    const observer = await observeEvents(['record.*']);
    const received = observer.events;

    const records = await startRecords({ AMQP_URL: brokerUrl.toString() }, { waitReady: false });
    try {
      await waitFor('mongodb to be up', async () => ((await records.call(null, 'GET', '/ready')).body?.checks?.mongodb === 'up' ? true : undefined));
      const user = newUser();
      const mine = () => received.filter((event) => (event.data as { userId?: string }).userId === user.id);
      const created = await records.create(user);
      expect(created.status).toBe(201);
      // The outbox keeps the events: records serves, and says the broker is away without failing /ready.
      const ready = await records.call(null, 'GET', '/ready');
      expect(ready.status).toBe(200);
      expect(ready.body).toMatchObject({ status: 'degraded', degraded: ['rabbitmq'], checks: { rabbitmq: 'down' } });

      await proxy.open();
      await waitFor('record.created after the broker came back', async () => (mine().length >= 1 ? true : undefined), 20_000);

      // And once more for a broker lost while connected.
      await proxy.close();
      const updated = await records.call(user, 'PATCH', `/records/${created.body.id}`, { body: { description: 'while away' } });
      expect(updated.status).toBe(200);
      await proxy.open();
      await waitFor(
        'record.updated after reconnecting',
        async () => (mine().some((event) => event.type === 'record.updated') ? true : undefined),
        20_000,
      );
      // Delivery is at least once: a confirm lost with the link sends an event again, under the same id,
      // so consumers can tell. Each change is one event, however many times it arrived.
      const once = [...new Map(mine().map((event) => [event.id, event])).values()];
      expect(once.map((event) => event.type)).toEqual(['record.created', 'record.updated']);
      for (const event of mine()) expect(event).toEqual(once.find((first) => first.id === event.id));
      expect(once.every((event) => event.version === '1.0')).toBe(true);
      // Confirmed events leave the outbox: what an outage left behind is gone once it was published.
      const database = await connectDatabase(records.db);
      try {
        await waitFor('the outbox to empty', async () =>
          (await database.collection('outbox').countDocuments({ 'data.owner': user.id })) === 0 ? true : undefined,
        );
      } finally {
        await database.close();
      }
    } finally {
      // The service first, while its broker link is up: a link cut during shutdown would stall amqplib's close.
      await records.stop();
      await proxy.close();
      await observer.close();
    }
  });
});

import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import amqp from 'amqplib';
import { domainEvents, eventServices, eventTypes, trustedPublishersSetting } from '@app/common';
import { freePort, startRabbitMq, type BrokerUser, type NativeServer } from '@app/infra';
import type { ManagedProcess } from '@app/launcher/stack';
import { startE2EProcess } from '@app/testkit/e2e-stack';
import { identityHeaders } from '@app/testkit/identity';
import { MONGO_URL } from '@app/testkit/servers';
import { sleep, waitFor } from '@app/testkit/wait';

// A private broker set up exactly as `npm start` and `npm test` set up the one they start.
let rabbit: NativeServer;
let records: ManagedProcess;
const secret = `broker-tests-${randomUUID()}`;
const db = `e2e-broker-${randomUUID().slice(0, 8)}`;
let logPath: string;

beforeAll(async () => {
  const port = await freePort();
  rabbit = await startRabbitMq({ port, name: `rabbitmq-e2e-${port}` });
  records = await startE2EProcess(
    'records',
    {
      HOST: '127.0.0.1',
      MONGO_URL,
      MONGO_DB: db,
      AMQP_URL: rabbit.brokerUrls!.records,
      EVENTS_TRUSTED_PUBLISHERS: trustedPublishersSetting(),
      IDENTITY_SECRET: secret,
    },
    `${db}-records.log`,
  );
  logPath = records.log;
}, 180_000);

afterAll(async () => {
  await records?.stop();
  await rabbit?.stop();
}, 60_000);

const user = { id: randomUUID(), name: 'broker-victim' };

async function callRecords(method: string, path: string, body?: unknown) {
  const headers = {
    ...identityHeaders(secret, method, path, { userId: user.id, userName: user.name }),
    ...(body ? { 'content-type': 'application/json' } : {}),
  };
  const res = await fetch(records.url + path, { method, headers, body: body ? JSON.stringify(body) : undefined });
  return { status: res.status, body: (await res.json().catch(() => undefined)) as { id?: number } | undefined };
}

/** Publishes one event as `who`, with confirms; resolves to what the broker said. `extra` goes into the envelope. */
async function publishAs(who: BrokerUser, routingKey: string, data: unknown, extra: Record<string, unknown> = {}): Promise<string> {
  const connection = await amqp.connect(rabbit.brokerUrls![who]);
  connection.on('error', () => undefined);
  try {
    const channel = await connection.createConfirmChannel();
    const closed = new Promise<string>((resolve) => channel.once('error', (err: Error) => resolve(err.message)));
    const envelope = { id: randomUUID(), type: routingKey, source: who, occurredAt: new Date().toISOString(), data, ...extra };
    const confirmed = new Promise<string>((resolve) =>
      channel.publish('app.events', routingKey, Buffer.from(JSON.stringify(envelope)), { persistent: true, userId: who }, (err) =>
        resolve(err ? `nack: ${String(err)}` : 'confirmed'),
      ),
    );
    return await Promise.race([closed, confirmed]);
  } finally {
    await connection.close().catch(() => undefined);
  }
}

describe('the broker checks who publishes', () => {
  it('when guest tries to connect, then the broker refuses it', async () => {
    const port = new URL(rabbit.url).port;
    await expect(amqp.connect(`amqp://guest:guest@127.0.0.1:${port}`)).rejects.toThrow(/ACCESS_REFUSED|403/);
  });

  it('when records, qa or the gateway publish user.deleted, then the broker refuses it and nothing is deleted; auth may', async () => {
    const created = await callRecords('POST', '/records', { option_type: 'opportunity', description: 'kept', status: 'active' });
    expect(created.status).toBe(201);
    const path = `/records/${created.body!.id}`;

    for (const who of ['records', 'qa', 'gateway'] as const) {
      const answer = await publishAs(who, 'user.deleted', { userId: user.id, username: user.name });
      expect(answer).toMatch(/ACCESS_REFUSED|403/);
    }
    // Each service may still publish its own events: the refusal is about the key, not the connection.
    expect(await publishAs('records', 'record.updated', { owner: randomUUID(), id: 1 })).toBe('confirmed');
    expect(await publishAs('qa', 'qa.job.completed', { owner: randomUUID(), jobId: randomUUID() })).toBe('confirmed');
    expect(await publishAs('records', 'qa.job.completed', { owner: randomUUID() })).toMatch(/ACCESS_REFUSED|403/);

    await sleep(1500);
    expect((await callRecords('GET', path)).status).toBe(200);

    // The same event from auth is honoured: the record goes, so the refusals above were the broker's doing.
    expect(await publishAs('auth', 'user.deleted', { userId: user.id, username: user.name })).toBe('confirmed');
    await waitFor('the record to go', async () => (await callRecords('GET', path)).status !== 200, { timeoutMs: 15_000, intervalMs: 200 });
    expect((await callRecords('GET', path)).status).toBe(404);
  });

  it('when every service publishes every event of the catalogue, then the broker confirms exactly the ones the catalogue gives it', async () => {
    const outcomes: string[] = [];
    const expected: string[] = [];
    for (const who of eventServices) {
      for (const type of eventTypes) {
        // A routing key outside the bindings of any consumer here: the broker's check is all that is tried.
        const answer = await publishAs(who, type, { userId: `nobody-${randomUUID()}`, username: 'x', recordId: 1, jobId: 'j', before: 1 });
        outcomes.push(`${who} ${type} ${answer === 'confirmed' ? 'confirmed' : /ACCESS_REFUSED|403/.test(answer) ? 'refused' : answer}`);
        expected.push(`${who} ${type} ${domainEvents[type].publisher === who ? 'confirmed' : 'refused'}`);
      }
    }
    expect(outcomes).toEqual(expected);
  });

  it('when auth publishes user.deleted of the next minor version with a field records does not know, then records still removes the data', async () => {
    const created = await callRecords('POST', '/records', { option_type: 'opportunity', description: 'to purge', status: 'active' });
    expect(created.status).toBe(201);
    const path = `/records/${created.body!.id}`;
    const answer = await publishAs(
      'auth',
      'user.deleted',
      { userId: user.id, username: user.name, reason: 'requested by the user' },
      { version: '1.1' },
    );
    expect(answer).toBe('confirmed');
    await waitFor('the record to go', async () => (await callRecords('GET', path)).status === 404, { timeoutMs: 15_000, intervalMs: 200 });
  });

  /** Runs one channel operation as `who` and says whether the broker refused it. */
  async function refused(who: BrokerUser, run: (channel: amqp.Channel) => Promise<unknown>): Promise<boolean> {
    const connection = await amqp.connect(rabbit.brokerUrls![who]);
    connection.on('error', () => undefined);
    try {
      const channel = await connection.createChannel();
      channel.on('error', () => undefined);
      await run(channel);
      return false;
    } catch (err) {
      if (/ACCESS_REFUSED|403/.test(String(err))) return true;
      throw err;
    } finally {
      await connection.close().catch(() => undefined);
    }
  }

  it('when records dead-letters its own message into app.events as user.deleted, then the consumer drops it: the broker names records as its publisher', async () => {
    const created = await callRecords('POST', '/records', { option_type: 'opportunity', description: 'kept too', status: 'active' });
    expect(created.status).toBe(201);
    const path = `/records/${created.body!.id}`;
    const connection = await amqp.connect(rabbit.brokerUrls!.records);
    try {
      const channel = await connection.createConfirmChannel();
      // The broker lets records declare this: its own queue, dead-lettering into the exchange it may use.
      const queue = `records.detour-${randomUUID()}`;
      await channel.assertQueue(queue, {
        durable: false,
        arguments: { 'x-dead-letter-exchange': 'app.events', 'x-dead-letter-routing-key': 'user.deleted' },
      });
      // Published under one of its own event names, the only routing keys the broker lets it use.
      await channel.bindQueue(queue, 'app.events', 'record.deleted');
      const envelope = {
        id: randomUUID(),
        type: 'user.deleted',
        source: 'auth',
        occurredAt: new Date().toISOString(),
        data: { userId: user.id, username: user.name },
      };
      await new Promise<void>((resolve, reject) =>
        channel.publish('app.events', 'record.deleted', Buffer.from(JSON.stringify(envelope)), { userId: 'records' }, (err: Error | null) =>
          err ? reject(err) : resolve(),
        ),
      );
      let message: amqp.GetMessage | false = false;
      for (let i = 0; i < 50 && !message; i += 1) {
        message = await channel.get(queue, { noAck: false });
        if (!message) await new Promise((r) => setTimeout(r, 100));
      }
      expect(message).toBeTruthy();
      channel.nack(message as amqp.GetMessage, false, false);
      await channel.deleteQueue(queue).catch(() => undefined);
    } finally {
      await connection.close().catch(() => undefined);
    }
    // It did reach records' consumer (so the broker did not stop it): records logged why it dropped it.
    await waitFor('records to log the drop', () => readFileSync(logPath, 'utf8').includes('event from an untrusted publisher dropped'), {
      timeoutMs: 10_000,
      intervalMs: 200,
    });
    expect(readFileSync(logPath, 'utf8')).toMatch(/"publisher":"records","expected":"auth".*untrusted publisher dropped/);
    expect((await callRecords('GET', path)).status).toBe(200);
  });

  it("when a service declares a queue under another service's name, then the broker refuses it", async () => {
    expect(await refused('qa', (ch) => ch.assertQueue(`records.steal-${randomUUID()}`, { durable: false }))).toBe(true);
    expect(await refused('qa', (ch) => ch.assertQueue(`qa.own-${randomUUID()}`, { durable: false, autoDelete: true }))).toBe(false);
  });

  it('when a service tries to route around the check through an exchange of its own or amq.topic, then the broker refuses it', async () => {
    expect(await refused('records', (ch) => ch.assertExchange(`side-${randomUUID().slice(0, 8)}.events`, 'topic', { durable: false }))).toBe(true);
    expect(await refused('records', (ch) => ch.bindExchange('app.events', 'amq.topic', '#'))).toBe(true);
  });
});

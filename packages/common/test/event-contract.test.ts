import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import amqp, { type ChannelModel, type ConfirmChannel } from 'amqplib';
import { AppError, EventBus, checkEvent, createLogger, eventTypesMatching, type DomainEvent } from '@app/common';
import { AMQP_URL } from '@app/testkit/servers';
import { waitFor } from '@app/testkit/wait';

/** A logger whose lines are kept, so a test can count what one rejected event wrote. */
function capturingLogger() {
  const lines: Array<Record<string, unknown>> = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line.trim()) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { logger: createLogger('contract-test', 'info', destination), lines };
}

const envelope = (type: string, data: unknown) => ({ id: randomUUID(), type, source: 'auth', occurredAt: new Date().toISOString(), data });

describe('the event contract on the consuming side', () => {
  const exchange = `test-events-${randomUUID()}`;
  const queue = `user-deleted-${randomUUID()}`;
  const revocations = `revocations-${randomUUID()}`;
  const recordEvents = `record-events-${randomUUID()}`;
  const patterned: DomainEvent[] = [];
  let connection: ChannelModel;
  let channel: ConfirmChannel;
  let bus: EventBus;
  const captured = capturingLogger();
  const handled: DomainEvent[] = [];
  const rejected: Array<{ event: string; reason: string }> = [];

  const send = async (routingKey: string, body: unknown) => {
    const content = Buffer.isBuffer(body) ? body : Buffer.from(JSON.stringify(body));
    channel.publish(exchange, routingKey, content, { persistent: true, messageId: randomUUID() });
    await channel.waitForConfirms();
  };
  const rejections = () => captured.lines.filter((line) => line.msg === 'event rejected by its schema, dead-lettered');

  beforeAll(async () => {
    bus = new EventBus({
      url: AMQP_URL,
      service: 'contract-test',
      logger: captured.logger,
      exchange,
      onRejected: (event, reason) => void rejected.push({ event, reason }),
    });
    await bus.subscribe(queue, ['user.deleted'], async (event) => void handled.push(event));
    await bus.subscribe(revocations, ['token.revoked'], async (event) => void handled.push(event), { perInstance: true });
    await bus.subscribe(recordEvents, ['record.*'], async (event) => void patterned.push(event));
    await bus.start();
    connection = await amqp.connect(AMQP_URL);
    channel = await connection.createConfirmChannel();
  });

  afterAll(async () => {
    await bus?.close();
    // This test's own exchange and queues only: nothing shared is touched.
    for (const name of [queue, `${queue}.dead`, `${revocations}.dead`, recordEvents, `${recordEvents}.dead`])
      await channel?.deleteQueue(`${exchange}.${name}`).catch(() => undefined);
    for (const name of [exchange, `${exchange}.dead`]) await channel?.deleteExchange(name).catch(() => undefined);
    await connection?.close().catch(() => undefined);
  });

  it('when forged or malformed events arrive, then each is dead-lettered with one log line and never reaches the handler', async () => {
    const forged: Array<[string, unknown]> = [
      // A query operator where a user id belongs: passed to a delete it would remove everyone's data.
      ['user.deleted', envelope('user.deleted', { userId: { $ne: null }, username: 'x' })],
      ['user.deleted', envelope('user.deleted', { userId: '', username: 'x' })],
      ['user.deleted', envelope('user.deleted', { nothing: 'useful' })],
      ['user.deleted', { ...envelope('user.deleted', { userId: 'u-1', username: 'x' }), version: 'one' }],
      ['user.deleted', envelope('user.hijacked', { userId: 'u-1', username: 'x' })],
      ['user.deleted', { type: 'user.deleted', data: { userId: 'u-1', username: 'x' } }],
      ['user.deleted', Buffer.from('{not json')],
      ['token.revoked', envelope('token.revoked', { jti: 'j-1', exp: 'soon' })],
    ];
    for (const [key, body] of forged) await send(key, body);
    // Valid events sent after the forged ones arrive after them (one queue each, in order).
    await send('user.deleted', envelope('user.deleted', { userId: 'u-marker', username: 'marker' }));
    await send('token.revoked', envelope('token.revoked', { userId: 'u-marker', jti: 'j-marker', exp: 2_000_000_000 }));

    await waitFor('both valid events', () => (handled.length >= 2 ? true : undefined));
    expect(handled.map((event) => [event.type, event.data])).toEqual(
      expect.arrayContaining([
        ['user.deleted', { userId: 'u-marker', username: 'marker' }],
        ['token.revoked', { userId: 'u-marker', jti: 'j-marker', exp: 2_000_000_000 }],
      ]),
    );
    expect(handled).toHaveLength(2);

    const dead = await waitFor('every forged event dead-lettered', async () => {
      const [shared, private_] = await Promise.all([
        channel.checkQueue(`${exchange}.${queue}.dead`),
        channel.checkQueue(`${exchange}.${revocations}.dead`),
      ]);
      return shared.messageCount === forged.length - 1 && private_.messageCount === 1 ? { shared, private_ } : undefined;
    });
    expect(dead.shared.messageCount).toBe(7);

    const lines = rejections();
    expect(lines).toHaveLength(forged.length);
    expect(lines.map((line) => line.reason)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^user\.deleted data: userId/),
        'unexpected type "user.hijacked"',
        expect.stringMatching(/^envelope: /),
        'not JSON',
        expect.stringMatching(/^token\.revoked data: /),
      ]),
    );
    for (const line of lines) expect(line.level).toBe(50);
    expect(rejected).toHaveLength(forged.length);
    expect(rejected.every((labels) => labels.reason === 'invalid')).toBe(true);
    // A made-up routing key is counted under one label: forged keys cannot grow the metric's series.
    expect(new Set(rejected.map((labels) => labels.event))).toEqual(new Set(['unknown', 'user.deleted', 'token.revoked']));
  });

  it('when an event of a newer minor version carries a field this consumer does not know, then the handler acts on it', async () => {
    const before = handled.length;
    const next = { ...envelope('user.deleted', { userId: 'u-next', username: 'next', erasure: { scope: 'all' } }), version: '1.7', traceparent: 'x' };
    await send('user.deleted', next);
    // Published before versions existed: read as 1.0.
    await send('user.deleted', envelope('user.deleted', { userId: 'u-unversioned', username: 'old' }));
    await waitFor('both events handled', () => (handled.length >= before + 2 ? true : undefined));
    expect(handled.slice(before).map((event) => [event.version, event.data.userId])).toEqual([
      ['1.7', 'u-next'],
      [undefined, 'u-unversioned'],
    ]);
    // Kept, not stripped: a handler that knows the new field may read it.
    expect(handled[before]!.data).toMatchObject({ erasure: { scope: 'all' } });
  });

  it('when an event of a major version this consumer does not know arrives, then it is dead-lettered with one warning and counted, never handled', async () => {
    const before = { handled: handled.length, warnings: captured.lines.length, rejected: rejected.length };
    const parked = (await channel.checkQueue(`${exchange}.${queue}.dead`)).messageCount;
    const future = { ...envelope('user.deleted', { account: 'u-future' }), version: '2.0' };
    await send('user.deleted', future);
    await send('user.deleted', envelope('user.deleted', { userId: 'u-after-future', username: 'marker' }));
    await waitFor('the marker', () => (handled.length >= before.handled + 1 ? true : undefined));
    expect(handled.slice(before.handled).map((event) => event.data.userId)).toEqual(['u-after-future']);
    await waitFor('the 2.0 event dead-lettered', async () =>
      (await channel.checkQueue(`${exchange}.${queue}.dead`)).messageCount === parked + 1 ? true : undefined,
    );
    const lines = captured.lines.slice(before.warnings).filter((line) => (line.level as number) >= 40);
    expect(lines).toEqual([
      expect.objectContaining({ level: 40, msg: 'event of an unknown major version, dead-lettered', routingKey: 'user.deleted' }),
    ]);
    expect(rejected.slice(before.rejected)).toEqual([{ event: 'user.deleted', reason: 'unknown_major' }]);
  });

  it('when the queues are declared, then the dead-letter queues are quorum queues too', async () => {
    // Declaring an existing queue with another type is refused (PRECONDITION_FAILED): the quorum declaration passing says what it is.
    const probe = await connection.createChannel();
    try {
      for (const name of [`${queue}.dead`, `${revocations}.dead`, `${recordEvents}.dead`]) {
        await expect(probe.assertQueue(`${exchange}.${name}`, { durable: true, arguments: { 'x-queue-type': 'quorum' } })).resolves.toBeDefined();
      }
    } finally {
      await probe.close().catch(() => undefined);
    }
  });

  it('when a queue is bound with a topic pattern, then the events it matches arrive and a made-up type it also matches is dead-lettered', async () => {
    await send('record.exploded', envelope('record.exploded', { userId: 'u-1', recordId: 1 }));
    await send('record.updated', envelope('record.updated', { userId: 'u-1', recordId: 1 }));
    await waitFor('the record event', () => (patterned.length >= 1 ? true : undefined));
    expect(patterned.map((event) => event.type)).toEqual(['record.updated']);
    await waitFor('the made-up event dead-lettered', async () =>
      (await channel.checkQueue(`${exchange}.${recordEvents}.dead`)).messageCount === 1 ? true : undefined,
    );
    expect(rejections().at(-1)).toMatchObject({ reason: 'unexpected type "record.exploded"', routingKey: 'record.exploded' });
  });

  it('when a dead-lettered event is looked at, then it is the message as it was sent, with its routing key', async () => {
    const parked = await channel.get(`${exchange}.${queue}.dead`, { noAck: false });
    expect(parked).not.toBe(false);
    if (parked === false) return;
    expect(parked.properties.headers?.['x-death']?.[0]).toMatchObject({ reason: 'rejected', 'routing-keys': ['user.deleted'] });
    channel.nack(parked, false, true);
  });
});

describe('a broker set up by an older release', () => {
  it('when the dead-letter queue is still a classic queue, then the consumer keeps it with one warning and still parks what it refuses there', async () => {
    const exchange = `test-events-${randomUUID()}`;
    const queue = `user-deleted-${randomUUID()}`;
    const dead = `${exchange}.${queue}.dead`;
    const connection = await amqp.connect(AMQP_URL);
    const channel = await connection.createConfirmChannel();
    const captured = capturingLogger();
    const handled: DomainEvent[] = [];
    const bus = new EventBus({ url: AMQP_URL, service: 'contract-test', logger: captured.logger, exchange });
    try {
      await channel.assertQueue(dead, { durable: true, arguments: { 'x-queue-type': 'classic' } });
      await bus.subscribe(queue, ['user.deleted'], async (event) => void handled.push(event));
      await bus.start();
      expect(captured.lines.filter((line) => line.queue === dead).map((line) => line.msg)).toEqual([
        'dead-letter queue is a classic queue from an older release; kept until replaced by a quorum queue',
      ]);
      channel.publish(exchange, 'user.deleted', Buffer.from(JSON.stringify(envelope('user.deleted', { userId: '' }))));
      channel.publish(exchange, 'user.deleted', Buffer.from(JSON.stringify(envelope('user.deleted', { userId: 'u-1', username: 'x' }))));
      await channel.waitForConfirms();
      await waitFor('the valid event', () => (handled.length === 1 ? true : undefined));
      await waitFor('the broken one parked', async () => ((await channel.checkQueue(dead)).messageCount === 1 ? true : undefined));
    } finally {
      await bus.close();
      for (const name of [`${exchange}.${queue}`, dead]) await channel.deleteQueue(name).catch(() => undefined);
      for (const name of [exchange, `${exchange}.dead`]) await channel.deleteExchange(name).catch(() => undefined);
      await connection.close().catch(() => undefined);
    }
  });
});

describe('topic patterns against the catalogue', () => {
  it('when a pattern is matched, then * is one word and # any number of words', () => {
    expect(eventTypesMatching('record.*')).toEqual(['record.created', 'record.updated', 'record.deleted']);
    expect(eventTypesMatching('qa.#')).toEqual(['qa.job.completed', 'qa.job.failed']);
    expect(eventTypesMatching('#.deleted')).toEqual(['user.deleted', 'record.deleted']);
    expect(eventTypesMatching('*.deleted')).toEqual(['user.deleted', 'record.deleted']);
    expect(eventTypesMatching('qa.*')).toEqual([]);
    expect(eventTypesMatching('#')).toHaveLength(8);
  });

  it('when a subscription names nothing in the catalogue, then subscribing throws', async () => {
    const bus = new EventBus({ url: 'amqp://guest:guest@127.0.0.1:1', service: 'contract-test', logger: createLogger('contract-test', 'silent') });
    await expect(bus.subscribe('q', ['record.archived'], async () => undefined)).rejects.toMatchObject({ code: 'invalid_event' });
    await bus.close();
  });
});

describe('the event contract on the publishing side', () => {
  it('when a publisher hands over data that breaks the schema, then publish throws and nothing is queued', async () => {
    const bus = new EventBus({ url: 'amqp://guest:guest@127.0.0.1:1', service: 'contract-test', logger: createLogger('contract-test', 'silent') });
    // Typed publishers cannot write this; the check is for data that crosses an `unknown` (an outbox row).
    const publish = bus.publish.bind(bus) as (type: string, data: unknown) => Promise<unknown>;
    await expect(publish('record.created', { owner: 'u-1', id: 1 })).rejects.toMatchObject({ code: 'invalid_event' });
    await expect(publish('record.exploded', { userId: 'u-1', recordId: 1 })).rejects.toBeInstanceOf(AppError);
    await expect(publish('toString', {})).rejects.toMatchObject({ code: 'invalid_event' });
    expect(bus.pendingCount()).toBe(0);
    await bus.close();
  });

  it('when every published payload shape is checked, then each event names its owning user as userId', () => {
    const samples: Array<[string, unknown]> = [
      ['user.registered', { userId: 'u', username: 'ann' }],
      ['user.deleted', { userId: 'u', username: 'ann' }],
      ['token.revoked', { userId: 'u', jti: 'j', exp: 1 }],
      ['token.revoked', { userId: 'u', before: 1 }],
      ['record.created', { userId: 'u', recordId: 1 }],
      ['record.updated', { userId: 'u', recordId: 1 }],
      ['record.deleted', { userId: 'u', recordId: 1 }],
      ['qa.job.completed', { userId: 'u', jobId: 'j' }],
      ['qa.job.failed', { userId: 'u', jobId: 'j' }],
    ];
    for (const [type, data] of samples) {
      const result = checkEvent(envelope(type, data), [type as never]);
      expect(result).toMatchObject({ ok: true, event: { data: { userId: 'u' } } });
    }
  });
});

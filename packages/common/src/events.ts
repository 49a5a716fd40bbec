import { randomUUID } from 'node:crypto';
import { context, type Context } from '@opentelemetry/api';
import amqp, { type Channel, type ChannelModel, type ConfirmChannel, type ConsumeMessage } from 'amqplib';
import type { Logger } from 'pino';
import {
  checkEvent,
  domainEvents,
  eventTypesMatching,
  isEventType,
  eventVersion,
  type DomainEvent,
  type EventData,
  type EventEnvelope,
  type EventRejection,
  type EventType,
} from './domain-events';
import { AppError } from './errors';
import { withTimeout } from './readiness';
import { currentContext, runWithContext } from './request-context';

/** Handles events of the types `T` only, each already checked against its schema. */
export type EventHandler<T extends EventType = EventType> = (event: DomainEvent<T>) => Promise<void>;

interface Subscription {
  queue: string;
  /** What the queue is bound with: event types or topic patterns. */
  routingKeys: readonly string[];
  /** The events those keys can bring; anything else is dead-lettered. */
  accepted: readonly EventType[];
  handler: EventHandler;
  prefetch: number;
  /** Every instance gets every event (a private, auto-deleted queue) instead of sharing the work. */
  perInstance: boolean;
}

export interface SubscribeOptions {
  prefetch?: number;
  perInstance?: boolean;
}

interface Pending {
  routingKey: string;
  envelope: EventEnvelope;
  /** The trace the event belongs to: it goes out within it, whenever the broker takes it. */
  context: Context;
}

export interface EventBusOptions {
  url: string;
  service: string;
  logger: Logger;
  exchange?: string;
  /** Events kept in memory while the broker is away; past this the oldest are dropped and logged. */
  maxPending?: number;
  /** A consumer gives up on a message after this many deliveries and dead-letters it. */
  deliveryLimit?: number;
  /**
   * Routing-key prefix → the broker user that alone may publish those events (`{ 'user.': 'auth' }`).
   * The broker vouches for a message's `user_id`, even after dead-lettering, so an event whose
   * publisher is not the one named is dropped, whatever route it took. Unset: no check.
   */
  trustedPublishers?: Record<string, string>;
  /** Told of each event a consumer refused and dead-lettered, by its type and why. */
  onRejected?: (event: string, reason: EventRejection) => void;
  /** Told of each publish the broker answered: confirmed (ack) or refused (nack), and how long it took. */
  onPublished?: (outcome: 'confirmed' | 'refused', seconds: number) => void;
  /** Told what became of each delivered message of a subscription's queue (its declared name). */
  onConsumed?: (queue: string, outcome: ConsumeOutcome) => void;
}

export interface PublishOptions {
  /**
   * The event's id; random unless given. A publisher that may send the same event again (an outbox
   * entry re-sent after a lost confirm) passes a stable one, so a consumer can tell a repeat.
   */
  id?: string;
}

/** What a consumer did with a message: handled, put back after a failure, dead-lettered, or dropped as untrusted. */
export type ConsumeOutcome = 'acked' | 'requeued' | 'dead_lettered' | 'dropped';

/** The user a connection to this AMQP URL logs in as (RabbitMQ's default is guest). */
function brokerUserOf(url: string): string {
  try {
    return decodeURIComponent(new URL(url).username) || 'guest';
  } catch {
    return 'guest';
  }
}

const DEAD_LETTER_EXCHANGE_SUFFIX = '.dead';
const DEAD_LETTER_QUEUE_SUFFIX = '.dead';
export const DEFAULT_EXCHANGE = 'app.events';

/**
 * Domain events over RabbitMQ: a durable topic exchange, publisher confirms,
 * durable quorum queues with manual acks, and a reconnect loop with backoff
 * that re-establishes every subscription. Publishing never fails the caller
 * because the broker is away: the event waits in memory and goes out on reconnect.
 */
export class EventBus {
  private connection?: ChannelModel;
  private channel?: ConfirmChannel;
  private readonly subscriptions: Subscription[] = [];
  private readonly pending: Pending[] = [];
  private reconnectTimer?: NodeJS.Timeout;
  private flushTimer?: NodeJS.Timeout;
  private attempt = 0;
  private closed = false;
  private connecting?: Promise<void>;
  private flushing?: Promise<void>;
  readonly exchange: string;
  private readonly brokerUser: string;

  constructor(private readonly options: EventBusOptions) {
    this.exchange = options.exchange ?? DEFAULT_EXCHANGE;
    this.brokerUser = brokerUserOf(options.url);
  }

  /** Queue names carry the exchange when it is not the default, so separate deployments never share work. */
  private queueName(queue: string): string {
    return this.exchange === DEFAULT_EXCHANGE ? queue : `${this.exchange}.${queue}`;
  }

  /** Starts connecting in the background; resolves once connected or after the first failure. */
  async start(): Promise<void> {
    await this.connect();
  }

  isConnected(): boolean {
    return this.channel !== undefined;
  }

  pendingCount(): number {
    return this.pending.length;
  }

  /**
   * How many events wait in each dead-letter queue of this bus's subscriptions (parked for a person
   * to look at); empty while the broker is away. Asked on a channel of its own, as a failed check
   * closes its channel.
   */
  async deadLetterDepths(): Promise<Record<string, number>> {
    const connection = this.connection;
    if (!connection || this.subscriptions.length === 0) return {};
    const depths: Record<string, number> = {};
    const channel = await connection.createChannel();
    channel.on('error', () => undefined);
    try {
      for (const subscription of this.subscriptions) {
        const queue = this.queueName(subscription.queue) + DEAD_LETTER_QUEUE_SUFFIX;
        depths[queue] = (await channel.checkQueue(queue)).messageCount;
      }
    } finally {
      await channel.close().catch(() => undefined);
    }
    return depths;
  }

  /**
   * Publishes an event; when the broker is away it is kept and sent after reconnecting. Data that
   * does not match the event's schema is a bug in the publisher: it throws and nothing is sent.
   */
  async publish<K extends EventType>(routingKey: K, data: EventData<K>, options: PublishOptions = {}): Promise<EventEnvelope<EventData<K>>> {
    // Checked at run time too: data read back from storage (an outbox row) reaches here untyped.
    const checked = isEventType(routingKey) ? domainEvents[routingKey].data.safeParse(data) : undefined;
    if (!checked?.success) {
      throw new AppError('invalid_event', `Refusing to publish a ${routingKey} event that does not match its schema`, {
        details: { issues: checked?.error.issues.slice(0, 5) },
      });
    }
    const envelope: EventEnvelope<EventData<K>> = {
      id: options.id ?? randomUUID(),
      type: routingKey,
      version: eventVersion(routingKey),
      source: this.options.service,
      occurredAt: new Date().toISOString(),
      requestId: currentContext()?.requestId,
      data: checked.data as EventData<K>,
    };
    this.pending.push({ routingKey, envelope, context: context.active() });
    const max = this.options.maxPending ?? 10_000;
    if (this.pending.length > max) {
      const dropped = this.pending.splice(0, this.pending.length - max);
      this.options.logger.error({ dropped: dropped.length }, 'event buffer full, oldest events dropped');
    }
    await this.flush();
    return envelope;
  }

  /**
   * Publishes and says whether the broker confirmed it. False means it is buffered in this
   * process only: a caller that must never lose it keeps its own record and publishes again.
   */
  async publishConfirmed<K extends EventType>(routingKey: K, data: EventData<K>, options: PublishOptions = {}): Promise<boolean> {
    const envelope = await this.publish(routingKey, data, options);
    return !this.pending.some((p) => p.envelope === envelope);
  }

  /**
   * Consumes the events `routingKeys` into the durable queue `queue`; the handler's success acks
   * the message. A message that is not one of those events with a valid payload never reaches the
   * handler: it is dead-lettered with one log line.
   */
  async subscribe<K extends EventType>(queue: string, routingKeys: readonly K[], handler: EventHandler<K>, options?: SubscribeOptions): Promise<void>;
  /** Topic patterns such as `record.*`: the handler gets any event of the catalogue they match. */
  async subscribe(queue: string, routingKeys: readonly string[], handler: EventHandler, options?: SubscribeOptions): Promise<void>;
  async subscribe(queue: string, routingKeys: readonly string[], handler: EventHandler, options: SubscribeOptions = {}): Promise<void> {
    const unknown = routingKeys.filter((key) => eventTypesMatching(key).length === 0);
    if (unknown.length > 0 || routingKeys.length === 0) {
      throw new AppError('invalid_event', `No event in the catalogue matches ${JSON.stringify(unknown)} (queue ${queue})`);
    }
    const accepted = [...new Set(routingKeys.flatMap(eventTypesMatching))];
    const subscription = { queue, routingKeys, accepted, handler, prefetch: options.prefetch ?? 10, perInstance: options.perInstance ?? false };
    this.subscriptions.push(subscription);
    if (this.connection) {
      await this.consume(this.connection, subscription).catch((err) =>
        this.options.logger.warn({ err, queue }, 'subscribe failed, will retry on reconnect'),
      );
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.reconnectTimer);
    clearTimeout(this.flushTimer);
    await this.flushing?.catch(() => undefined);
    const connection = this.connection;
    this.connection = undefined;
    this.channel = undefined;
    // amqplib's close never settles if the socket dies mid-close; shutdown must not wait on it.
    if (connection) await withTimeout(connection.close(), 3000, 'amqp close').catch(() => undefined);
    if (this.pending.length > 0) {
      this.options.logger.warn({ pending: this.pending.length }, 'closing with unsent events');
    }
  }

  private connect(): Promise<void> {
    this.connecting ??= this.doConnect().finally(() => {
      this.connecting = undefined;
    });
    return this.connecting;
  }

  private async doConnect(): Promise<void> {
    if (this.closed) return;
    let connection: ChannelModel | undefined;
    try {
      connection = await amqp.connect(this.options.url, { timeout: 3000 });
      connection.on('error', (err) => this.options.logger.warn({ err }, 'amqp connection error'));
      connection.on('close', () => this.onDisconnect(connection!));
      const channel = await connection.createConfirmChannel();
      channel.on('error', (err) => this.options.logger.warn({ err }, 'amqp channel error'));
      channel.on('close', () => {
        if (this.channel === channel) this.onDisconnect(connection!);
      });
      await channel.assertExchange(this.exchange, 'topic', { durable: true });
      await channel.assertExchange(this.exchange + DEAD_LETTER_EXCHANGE_SUFFIX, 'topic', { durable: true });
      this.connection = connection;
      this.channel = channel;
      this.attempt = 0;
      this.options.logger.info({ exchange: this.exchange }, 'connected to amqp');
      for (const subscription of this.subscriptions) {
        // One broken queue (say, declared elsewhere with other arguments) must not take publishing down.
        await this.consume(connection, subscription).catch((err: unknown) =>
          this.options.logger.error({ err: String(err), queue: subscription.queue }, 'cannot consume; retried on reconnect'),
        );
      }
      void this.flush();
    } catch (err) {
      this.options.logger.warn({ err: String(err) }, 'amqp connect failed');
      await connection?.close().catch(() => undefined);
      this.scheduleReconnect();
    }
  }

  private onDisconnect(connection: ChannelModel) {
    if (this.connection !== connection) return;
    this.connection = undefined;
    this.channel = undefined;
    if (this.closed) return;
    this.options.logger.warn('amqp connection lost');
    connection.close().catch(() => undefined);
    this.scheduleReconnect();
  }

  private scheduleReconnect() {
    if (this.closed || this.reconnectTimer) return;
    const delay = Math.min(10_000, 250 * 2 ** this.attempt) * (0.8 + Math.random() * 0.4);
    this.attempt += 1;
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      void this.connect();
    }, delay);
    this.reconnectTimer.unref();
  }

  private scheduleFlush() {
    if (this.closed || this.flushTimer) return;
    this.flushTimer = setTimeout(() => {
      this.flushTimer = undefined;
      void this.flush();
    }, 500);
    this.flushTimer.unref();
  }

  private flush(): Promise<void> {
    this.flushing ??= this.doFlush().finally(() => {
      this.flushing = undefined;
    });
    return this.flushing;
  }

  private async doFlush(): Promise<void> {
    while (this.pending.length > 0 && this.channel) {
      const channel = this.channel;
      const { routingKey, envelope, context: traced } = this.pending[0]!;
      const started = performance.now();
      try {
        await new Promise<void>((resolve, reject) => {
          // The amqplib instrumentation puts this context's traceparent on the message (tracing on).
          context.with(traced, () =>
            channel.publish(
              this.exchange,
              routingKey,
              Buffer.from(JSON.stringify(envelope)),
              {
                persistent: true,
                contentType: 'application/json',
                messageId: envelope.id,
                type: routingKey,
                appId: envelope.source,
                // The broker refuses a user_id other than the connection's own: consumers can rely on it.
                userId: this.brokerUser,
                headers: envelope.requestId ? { 'x-request-id': envelope.requestId } : {},
              },
              (err) => (err ? reject(err instanceof Error ? err : new Error(String(err))) : resolve()),
            ),
          );
        });
        this.options.onPublished?.('confirmed', (performance.now() - started) / 1000);
        if (this.pending[0]?.envelope.id === envelope.id) this.pending.shift();
      } catch (err) {
        // A closed channel rejects too; only a broker's answer counts as a refused confirm.
        if (this.channel === channel) this.options.onPublished?.('refused', (performance.now() - started) / 1000);
        this.options.logger.warn({ err: String(err), routingKey }, 'publish not confirmed, will retry');
        // A nack leaves the channel open (a quorum queue between leaders, say): nothing else would
        // send the event again before the next publish or reconnect, so try again shortly.
        this.scheduleFlush();
        return;
      }
    }
  }

  private async consume(connection: ChannelModel, subscription: Subscription): Promise<void> {
    const channel = await connection.createChannel();
    channel.on('error', (err) => this.options.logger.warn({ err, queue: subscription.queue }, 'consumer channel error'));
    const deadLetters = this.exchange + DEAD_LETTER_EXCHANGE_SUFFIX;
    if (subscription.perInstance) {
      // The instances' private queues share one durable dead-letter queue, so a rejected event outlives them.
      const shared = this.queueName(subscription.queue);
      await this.assertDeadLetterQueue(connection, channel, shared);
      const { queue } = await channel.assertQueue(`${shared}.${randomUUID()}`, {
        exclusive: true,
        autoDelete: true,
        durable: false,
        arguments: { 'x-dead-letter-exchange': deadLetters, 'x-dead-letter-routing-key': shared },
      });
      for (const key of subscription.routingKeys) await channel.bindQueue(queue, this.exchange, key);
      await channel.prefetch(subscription.prefetch);
      await channel.consume(queue, (message) => {
        if (message) void this.handle(channel, subscription, message);
      });
      return;
    }
    // Quorum queues count deliveries, so a message that keeps failing is dead-lettered instead of looping.
    const queue = this.queueName(subscription.queue);
    await channel.assertQueue(queue, {
      durable: true,
      arguments: {
        'x-queue-type': 'quorum',
        'x-delivery-limit': this.options.deliveryLimit ?? 5,
        'x-dead-letter-exchange': deadLetters,
        'x-dead-letter-routing-key': queue,
      },
    });
    await this.assertDeadLetterQueue(connection, channel, queue);
    for (const key of subscription.routingKeys) await channel.bindQueue(queue, this.exchange, key);
    await channel.prefetch(subscription.prefetch);
    await channel.consume(queue, (message) => {
      if (message) void this.handle(channel, subscription, message);
    });
  }

  /**
   * The dead-letter queue of `queue`: a quorum queue like the rest, so a parked purge survives the
   * loss of a broker node. Routed by queue name, so each queue keeps its own dead letters. A broker
   * set up before dead-letter queues were quorum holds a classic one under that name, and declaring
   * it again with another type is refused (PRECONDITION_FAILED, which also closes the channel): the
   * classic one is kept and used, with a warning, until an operator replaces it (docs/events.md).
   */
  private async assertDeadLetterQueue(connection: ChannelModel, channel: Channel, queue: string): Promise<void> {
    const dead = queue + DEAD_LETTER_QUEUE_SUFFIX;
    const probe = await connection.createChannel();
    probe.on('error', () => undefined);
    try {
      await probe.assertQueue(dead, { durable: true, arguments: { 'x-queue-type': 'quorum' } });
    } catch (err) {
      if (!/PRECONDITION_FAILED/.test(String(err))) throw err;
      this.options.logger.warn({ queue: dead }, 'dead-letter queue is a classic queue from an older release; kept until replaced by a quorum queue');
    } finally {
      await probe.close().catch(() => undefined);
    }
    await channel.bindQueue(dead, this.exchange + DEAD_LETTER_EXCHANGE_SUFFIX, queue);
  }

  private async handle(
    channel: Awaited<ReturnType<ChannelModel['createChannel']>>,
    subscription: Subscription,
    message: ConsumeMessage,
  ): Promise<void> {
    let parsed: unknown;
    try {
      parsed = JSON.parse(message.content.toString('utf8'));
    } catch {
      parsed = undefined;
    }
    const checked =
      parsed === undefined
        ? { ok: false as const, rejection: 'invalid' as const, reason: 'not JSON', type: undefined }
        : checkEvent(parsed, subscription.accepted);
    if (!checked.ok) {
      const { routingKey } = message.fields;
      const line = { queue: subscription.queue, routingKey, messageId: message.properties.messageId as unknown, reason: checked.reason };
      if (checked.rejection === 'unknown_major') {
        // Published by a newer release than this one: parked, not dropped, so it can be replayed once this consumer is upgraded.
        this.options.logger.warn(line, 'event of an unknown major version, dead-lettered');
      } else {
        // Retrying cannot fix it, and a forged or broken event must have no effect: park it for a person.
        this.options.logger.error(line, 'event rejected by its schema, dead-lettered');
      }
      // A routing key outside the catalogue is counted under one label, so forged keys cannot grow the series.
      this.options.onRejected?.(checked.type ?? 'unknown', checked.rejection);
      channel.nack(message, false, false);
      this.options.onConsumed?.(subscription.queue, 'dead_lettered');
      return;
    }
    const envelope = checked.event;
    const routingKey = message.fields.routingKey;
    const owner = Object.entries(this.options.trustedPublishers ?? {}).find(([prefix]) => routingKey.startsWith(prefix))?.[1];
    if (owner !== undefined && message.properties.userId !== owner) {
      this.options.logger.error(
        { queue: subscription.queue, routingKey, publisher: message.properties.userId ?? null, expected: owner, id: envelope.id },
        'event from an untrusted publisher dropped',
      );
      channel.ack(message);
      this.options.onConsumed?.(subscription.queue, 'dropped');
      return;
    }
    const requestId = envelope.requestId ?? envelope.id;
    await runWithContext({ requestId }, async () => {
      try {
        await subscription.handler(envelope);
        channel.ack(message);
        this.options.onConsumed?.(subscription.queue, 'acked');
      } catch (err) {
        this.options.onConsumed?.(subscription.queue, 'requeued');
        this.options.logger.warn({ err, type: envelope.type, id: envelope.id }, 'event handler failed, requeued');
        // A short pause keeps a failing handler from spinning while its dependency recovers.
        await new Promise((r) => setTimeout(r, 500));
        try {
          channel.nack(message, false, true);
        } catch {
          // The channel closed meanwhile; the broker redelivers unacked messages by itself.
        }
      }
    });
  }
}

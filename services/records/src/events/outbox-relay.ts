import { AppError, currentContext, currentTraceparent, runWithContext, withTraceparent, type EventBus, type Logger } from '@app/common';
import type { OutboxEntry, OutboxStore } from '../data/outbox-store';
import type { RecordEvents, RecordEventType } from '../domain/ports';
import { publishRecordEvent } from './record-event';

export interface OutboxRelayOptions {
  /** How often the outbox is read for entries no write handed over (a crash, another instance, a broker outage). */
  sweepMs: number;
  /** While something is waiting for the broker, how often to try again. */
  retryMs?: number;
  /** An entry younger than this is left to the instance that wrote it (it is publishing it right now). */
  sweepGraceMs?: number;
  batchSize?: number;
  published?: { inc(labels: { type: string }): void };
}

/**
 * Transactional-outbox publishing without transactions: each change writes an outbox entry right
 * after itself and hands it to this relay, which publishes it and removes it once the broker
 * confirmed it. Nothing reads the outbox on the write path; a slow sweep publishes what a crash,
 * another instance or a broker outage left behind. The outbox holds only unconfirmed entries, so the
 * sweep costs what is due. A crash or a lost confirm between publish and removal sends an event
 * twice, under the same event id (the entry's); consumers are idempotent.
 */
export class OutboxRelay implements RecordEvents {
  private timer?: NodeJS.Timeout;
  private retryTimer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private again = false;
  private sweepWanted = true;
  private stopped = false;
  /** Entries written by this instance, in write order, not yet confirmed. */
  private readonly handedOver: OutboxEntry[] = [];
  private readonly batchSize: number;

  constructor(
    private readonly store: OutboxStore,
    private readonly bus: EventBus,
    private readonly logger: Logger,
    private readonly options: OutboxRelayOptions,
  ) {
    this.batchSize = options.batchSize ?? 100;
  }

  async emit(type: RecordEventType, data: { owner: string; id: number }): Promise<void> {
    let entry: OutboxEntry;
    try {
      entry = await this.store.add(type, data, currentContext()?.requestId, currentTraceparent());
    } catch (err) {
      // The change is stored but its outbox entry is not (the database went away in between):
      // hand the event to the bus, which keeps it in memory until the broker takes it.
      this.logger.warn({ err: String(err), type, data }, 'outbox write failed, publishing directly');
      await publishRecordEvent(this.bus, this.logger, type, data).catch((publishErr: unknown) =>
        this.logger.error({ err: String(publishErr), type, data }, 'event lost'),
      );
      return;
    }
    this.handedOver.push(entry);
    this.kick();
  }

  start(): void {
    this.timer = setInterval(() => this.sweep(), this.options.sweepMs);
    this.timer.unref();
    this.sweep();
  }

  /** Reads the outbox for leftovers on the next pass. */
  sweep(): void {
    this.sweepWanted = true;
    this.kick();
  }

  /** Runs a relay pass now, or right after the one in progress. */
  kick(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.pass().finally(() => {
      this.running = undefined;
      if (this.again) {
        this.again = false;
        this.kick();
      }
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    clearTimeout(this.retryTimer);
    await this.running;
  }

  private async pass(): Promise<void> {
    try {
      if (!(await this.publishAll(this.handedOver))) return this.retrySoon();
      if (!this.sweepWanted) return;
      this.sweepWanted = false;
      const youngest = Date.now() - (this.options.sweepGraceMs ?? 5000);
      for (;;) {
        const batch = await this.store.oldest(this.batchSize);
        // Another instance's fresh entries are its own to publish; ours are in handedOver.
        const due = batch.filter((entry) => entry.createdAt.getTime() <= youngest && !this.handedOver.some((own) => own.id === entry.id));
        if (!(await this.publishAll(due))) return this.retrySoon();
        // A full batch with nothing due is young entries at the head: the next sweep comes back for them.
        if (batch.length < this.batchSize || due.length === 0) break;
      }
    } catch (err) {
      // While the database is away this repeats every retry; the 503s on the routes already say so.
      const away = err instanceof AppError && err.status === 503;
      this.logger[away ? 'debug' : 'warn']({ err: String(err) }, 'outbox relay pass failed, will retry');
      this.sweepWanted = true;
      this.retrySoon();
    }
  }

  /**
   * Publishes entries in order and removes each once confirmed; stops (false) at the first the broker
   * did not take, leaving it and those after it for a later pass. Entries are taken off `queue` as
   * they are confirmed, when it is the relay's own list.
   */
  private async publishAll(entries: OutboxEntry[]): Promise<boolean> {
    const own = entries === this.handedOver;
    const list = own ? entries : [...entries];
    while (list.length > 0) {
      if (this.stopped) return true;
      // While the broker is away (or the bus still holds an unconfirmed event) entries stay where they are.
      if (!this.bus.isConnected() || this.bus.pendingCount() > 0) return false;
      const entry = list[0]!;
      // In the change's own request id and trace, whichever request's pass publishes it.
      await runWithContext({ requestId: entry.requestId ?? entry.id }, () =>
        withTraceparent(entry.traceparent, () => publishRecordEvent(this.bus, this.logger, entry.type, entry.data, entry.id)),
      );
      if (this.bus.pendingCount() > 0) return false;
      await this.store.remove(entry.id);
      list.shift();
      this.options.published?.inc({ type: entry.type });
    }
    return true;
  }

  /** Something waits for the broker or the database: try again shortly, with a sweep, as long as it does. */
  private retrySoon(): void {
    if (this.stopped || this.retryTimer) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.sweep();
    }, this.options.retryMs ?? 1000);
    this.retryTimer.unref();
  }
}

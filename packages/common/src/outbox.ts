import type { Logger } from 'pino';
import type { EventData, EventType } from './domain-events';
import { AppError } from './errors';
import type { EventBus } from './events';
import { currentContext, runWithContext } from './request-context';
import { currentTraceparent, withTraceparent } from './tracing';

/** An event written next to the change it describes, until the broker confirmed it. */
export interface OutboxEntry {
  /** The event's id on the wire: a re-sent entry is the same event to its consumers. */
  id: string;
  type: string;
  data: unknown;
  requestId?: string;
  traceparent?: string;
  createdAt: Date;
}

/** Where a service keeps its outbox (`mongoOutboxStore` in `@app/common/mongo`). */
export interface OutboxStore {
  /** Writes an entry; an entry of the same `id` already there is kept and returned as written. */
  add(entry: Omit<OutboxEntry, 'id' | 'createdAt'> & { id?: string }): Promise<OutboxEntry>;
  /** Up to `limit` entries, oldest first. */
  oldest(limit: number): Promise<OutboxEntry[]>;
  /** Forgets an entry the broker confirmed. */
  remove(id: string): Promise<void>;
}

export interface EventOutboxOptions {
  /** How often the outbox is read for entries no write handed over (a crash, another instance, a broker outage). */
  sweepMs: number;
  /** While something is waiting for the broker, how often to try again. */
  retryMs?: number;
  /** An entry younger than this is left to the instance that wrote it (it is publishing it right now). */
  sweepGraceMs?: number;
  batchSize?: number;
  published?: { inc(labels: { type: string }): void };
  /** Turns the `data` of an entry written by an older release into the event's current payload. */
  upgrade?: (type: string, data: unknown) => unknown;
}

export interface EmitOptions {
  /**
   * The event's id when the same logical event may be emitted more than once (a job's end, found
   * again by a re-run): one entry, one id, however often it is emitted. Random otherwise.
   */
  id?: string;
}

/**
 * The one way a service publishes its events: the transactional outbox without transactions. Each
 * change writes its event to the outbox right after itself (`emit`) and hands it to this relay, which
 * publishes it with a broker confirm and removes it only then. Nothing reads the outbox on the write
 * path; a slow sweep publishes what a crash, another instance or a broker outage left behind. The
 * outbox holds only unconfirmed entries, so the sweep costs what is due. Delivery is at least once:
 * a crash or a lost confirm between publish and removal sends an event again under the same id (the
 * entry's), which consumers use to tell a repeat.
 */
export class EventOutbox<K extends EventType = EventType> {
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
    private readonly options: EventOutboxOptions,
  ) {
    this.batchSize = options.batchSize ?? 100;
  }

  /** Writes the event to the outbox and has it published; resolves once it is written, not sent. */
  async emit<T extends K>(type: T, data: EventData<T>, options: EmitOptions = {}): Promise<void> {
    let entry: OutboxEntry;
    try {
      entry = await this.store.add({ type, data, requestId: currentContext()?.requestId, traceparent: currentTraceparent(), id: options.id });
    } catch (err) {
      // The change is stored but its event is not (the database went away in between): hand the
      // event to the bus, which keeps it in memory until the broker takes it.
      this.logger.warn({ err: String(err), type, data }, 'outbox write failed, publishing directly');
      await this.bus
        .publish(type, data, { id: options.id })
        .then(() => this.options.published?.inc({ type }))
        .catch((publishErr: unknown) => this.logger.error({ err: String(publishErr), type, data }, 'event lost'));
      return;
    }
    if (!this.handedOver.some((own) => own.id === entry.id)) this.handedOver.push(entry);
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
      // While the database is away this repeats every retry; the service's readiness already says so.
      const away = err instanceof AppError && err.status === 503;
      this.logger[away ? 'debug' : 'warn']({ err: String(err) }, 'outbox relay pass failed, will retry');
      this.sweepWanted = true;
      this.retrySoon();
    }
  }

  /**
   * Publishes entries in order and removes each once confirmed; stops (false) at the first the broker
   * did not take, leaving it and those after it for a later pass. Entries are taken off the list as
   * they are confirmed, when it is the relay's own list.
   */
  private async publishAll(entries: OutboxEntry[]): Promise<boolean> {
    const list = entries === this.handedOver ? entries : [...entries];
    while (list.length > 0) {
      if (this.stopped) return true;
      // While the broker is away (or the bus still holds an unconfirmed event) entries stay where they are.
      if (!this.bus.isConnected() || this.bus.pendingCount() > 0) return false;
      const entry = list[0]!;
      // In the change's own request id and trace, whichever request's pass publishes it.
      await runWithContext({ requestId: entry.requestId ?? entry.id }, () => withTraceparent(entry.traceparent, () => this.publishEntry(entry)));
      if (this.bus.pendingCount() > 0) return false;
      await this.store.remove(entry.id);
      list.shift();
      this.options.published?.inc({ type: entry.type });
    }
    return true;
  }

  /**
   * Data read back from storage is untyped: the bus checks it against the catalogue. An entry the
   * contract refuses (written by hand, or by a release whose payload is no longer understood) is
   * logged and dropped rather than thrown, so it cannot block the entries after it.
   */
  private async publishEntry(entry: OutboxEntry): Promise<void> {
    const data = this.options.upgrade ? this.options.upgrade(entry.type, entry.data) : entry.data;
    try {
      await this.bus.publish(entry.type as K, data as EventData<K>, { id: entry.id });
    } catch (err) {
      if (!(err instanceof AppError) || err.code !== 'invalid_event') throw err;
      this.logger.error({ err: String(err), type: entry.type, data: entry.data }, 'outbox entry breaks the event contract, dropped');
    }
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

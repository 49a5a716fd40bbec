import { AppError, currentContext, runWithContext, type EventBus, type Logger } from '@app/common';
import type { OutboxStore } from '../data/outbox-store';
import type { RecordEvents, RecordEventType } from '../domain/ports';
import { publishRecordEvent } from './record-event';

export interface OutboxRelayOptions {
  pollMs: number;
  batchSize?: number;
  /** Published entries are kept this long (for inspection), then removed. */
  keepSentMs?: number;
  published?: { inc(labels: { type: string }): void };
}

const PURGE_EVERY_MS = 60_000;

/**
 * Transactional-outbox publishing without transactions: each change writes an outbox entry right
 * after itself, and this relay publishes unsent entries (on a kick after every write, and on a
 * timer for whatever a broker outage or a crash left behind), marking each one sent once the broker
 * confirmed it. A crash between publish and mark sends an event twice; consumers are idempotent.
 */
export class OutboxRelay implements RecordEvents {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private again = false;
  private stopped = false;
  private lastPurge = 0;
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
    try {
      await this.store.add(type, data, currentContext()?.requestId);
    } catch (err) {
      // The change is stored but its outbox entry is not (the database went away in between):
      // hand the event to the bus, which keeps it in memory until the broker takes it.
      this.logger.warn({ err: String(err), type, data }, 'outbox write failed, publishing directly');
      await publishRecordEvent(this.bus, this.logger, type, data).catch((publishErr: unknown) =>
        this.logger.error({ err: String(publishErr), type, data }, 'event lost'),
      );
      return;
    }
    this.kick();
  }

  start(): void {
    this.timer = setInterval(() => this.kick(), this.options.pollMs);
    this.timer.unref();
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
    await this.running;
  }

  private async pass(): Promise<void> {
    try {
      for (;;) {
        // While the broker is away (or the bus still holds an unconfirmed event) entries stay where they are.
        if (!this.bus.isConnected() || this.bus.pendingCount() > 0) return;
        const entries = await this.store.unsent(this.batchSize);
        for (const entry of entries) {
          if (this.stopped) return;
          await runWithContext({ requestId: entry.requestId ?? entry.id }, () => publishRecordEvent(this.bus, this.logger, entry.type, entry.data));
          if (this.bus.pendingCount() > 0) return;
          await this.store.markSent(entry.id);
          this.options.published?.inc({ type: entry.type });
        }
        if (entries.length < this.batchSize) break;
      }
      await this.purgeSent();
    } catch (err) {
      // While the database is away this repeats every poll; the 503s on the routes already say so.
      const away = err instanceof AppError && err.status === 503;
      this.logger[away ? 'debug' : 'warn']({ err: String(err) }, 'outbox relay pass failed, will retry');
    }
  }

  private async purgeSent(): Promise<void> {
    const now = Date.now();
    if (now - this.lastPurge < PURGE_EVERY_MS) return;
    this.lastPurge = now;
    await this.store.removeSentBefore(new Date(now - (this.options.keepSentMs ?? 3_600_000)));
  }
}

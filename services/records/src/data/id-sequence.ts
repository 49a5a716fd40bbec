import { isDuplicateKey, mongoCall } from '@app/common';
import type { Model } from 'mongoose';
import type { KeyedSerialQueue } from './keyed-serial-queue';
import type { CounterDocument } from './models';

/**
 * Sequential numbers from a counter document (`findOneAndUpdate` + `$inc` + upsert).
 * Calls are serialized in-process because FerretDB v1 loses concurrent increments;
 * the unique index on the records' id is what finally guarantees no two records share one.
 */
export class IdSequence {
  constructor(
    private readonly counters: Model<CounterDocument>,
    private readonly serial: KeyedSerialQueue,
    private readonly name: string,
  ) {}

  next(): Promise<number> {
    return this.serial.run(`sequence:${this.name}`, () =>
      mongoCall(async () => {
        for (let attempt = 1; ; attempt += 1) {
          try {
            const counter = await this.counters
              .findOneAndUpdate({ _id: this.name }, { $inc: { seq: 1 } }, { upsert: true, returnDocument: 'after' })
              .lean();
            return counter.seq;
          } catch (err) {
            // Two instances creating the counter at once: the losing upsert fails with a duplicate key; retrying finds it.
            if (isDuplicateKey(err) && attempt < 3) continue;
            throw err;
          }
        }
      }),
    );
  }

  /** Moves the counter up to at least `value` (after another writer used numbers it had not counted). */
  raiseTo(value: number): Promise<void> {
    return this.serial.run(`sequence:${this.name}`, () =>
      mongoCall(async () => {
        try {
          await this.counters.updateOne({ _id: this.name }, { $max: { seq: value } }, { upsert: true });
        } catch (err) {
          if (!isDuplicateKey(err)) throw err;
          await this.counters.updateOne({ _id: this.name }, { $max: { seq: value } });
        }
      }),
    );
  }
}

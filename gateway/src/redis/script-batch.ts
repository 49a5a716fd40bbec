import type { Redis } from 'ioredis';

type Args = Array<string | number>;

interface Pending<T> {
  args: Args;
  resolve(value: T): void;
  reject(err: unknown): void;
}

/**
 * Sends the calls of one script made by every request handled in one turn of the event loop
 * as one pipeline. Under load many requests are parsed in the same turn; one write and one
 * read on the Redis socket then serve them all, where each call would otherwise cost its own
 * system calls. Each call is still its own command: the batch changes no request's cost in
 * commands, only in system calls, and waits for nothing but the end of the current turn.
 */
export class ScriptBatch<T> {
  private pending: Pending<T>[] = [];
  private scheduled = false;

  /** `command` is a script defined on `redis` with `defineCommand`. */
  constructor(
    private readonly redis: Redis,
    private readonly command: string,
  ) {}

  call(...args: Args): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.pending.push({ args, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(this.flush);
      }
    });
  }

  private readonly flush = () => {
    const batch = this.pending;
    this.pending = [];
    this.scheduled = false;
    const pipeline = this.redis.pipeline() as unknown as Record<string, (...args: Args) => unknown> & { exec(): Promise<Array<[Error | null, unknown]> | null> };
    for (const call of batch) pipeline[this.command]!(...call.args);
    pipeline.exec().then(
      (results) => {
        batch.forEach((call, i) => {
          const [err, value] = results?.[i] ?? [new Error('no reply from redis'), undefined];
          if (err) call.reject(err);
          else call.resolve(value as T);
        });
      },
      (err: unknown) => {
        for (const call of batch) call.reject(err);
      },
    );
  };
}

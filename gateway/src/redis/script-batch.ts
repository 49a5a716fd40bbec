import { withTimeout, type RedisClient } from '@app/common';

type Args = Array<string | number>;

interface Pending<T> {
  args: Args;
  resolve(value: T): void;
  reject(err: unknown): void;
}

/**
 * Sends the calls of one script as pipelines, with at most one pipeline in flight: the calls
 * made while Redis answers the last one go out together when it has answered (when none is in
 * flight, at the end of the current turn of the event loop). On loopback a write costs the
 * writer the receiver's side of TCP too, so per request it is the dearest part of a cache HIT;
 * this way the busier the gateway, the more requests share one write and one read, while an
 * idle gateway waits for nothing but the end of the turn. Each call is still its own command:
 * the batch changes no request's cost in commands, only in system calls.
 *
 * A Redis Cluster takes a pipeline only when all its keys live on one node, which the calls of
 * many users' requests do not: there each call goes alone, and the cluster client's own
 * auto-pipelining groups them per node.
 */
export class ScriptBatch<T> {
  private pending: Pending<T>[] = [];
  private scheduled = false;
  /** The batch Redis has not answered yet, if any. */
  private inFlight: Pending<T>[] | undefined;
  private timer: NodeJS.Timeout | undefined;

  /**
   * `command` is a script defined on `redis` with `defineCommand`. With `timeout`, every call of
   * a batch is rejected once `ms` have passed since the batch's first call and Redis has not
   * answered: one timer per batch, not one per request.
   */
  constructor(
    private readonly redis: RedisClient,
    private readonly command: string,
    private readonly timeout?: { ms: number; what: string },
  ) {}

  call(...args: Args): Promise<T> {
    if (this.redis.isCluster) return this.callAlone(args);
    return new Promise<T>((resolve, reject) => {
      this.pending.push({ args, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        if (this.timeout) this.timer = setTimeout(this.expire, this.timeout.ms, this.pending, this.timeout);
        if (this.inFlight === undefined) setImmediate(this.flush);
      }
    });
  }

  private callAlone(args: Args): Promise<T> {
    const sent = (this.redis as unknown as Record<string, (...args: Args) => Promise<T>>)[this.command]!(...args);
    if (!this.timeout) return sent;
    const { ms, what } = this.timeout;
    return withTimeout(sent, ms, what);
  }

  private readonly expire = (batch: Pending<T>[], timeout: { ms: number; what: string }) => {
    const err = new Error(`${timeout.what} timed out after ${timeout.ms} ms`);
    // A promise settles once: the calls Redis already answered keep their answers.
    for (const call of batch) call.reject(err);
    if (batch === this.pending) {
      // Still waiting behind a pipeline Redis has not answered: given up, not sent later.
      this.pending = [];
      this.scheduled = false;
      this.timer = undefined;
    } else if (batch === this.inFlight) {
      // A pipeline Redis sits on holds up no later call past its own time limit.
      this.inFlight = undefined;
      this.flush();
    }
  };

  private readonly flush = () => {
    if (this.inFlight !== undefined || this.pending.length === 0) return;
    const batch = this.pending;
    const timer = this.timer;
    this.pending = [];
    this.scheduled = false;
    this.timer = undefined;
    this.inFlight = batch;
    const pipeline = this.redis.pipeline() as unknown as Record<string, (...args: Args) => unknown> & {
      exec(): Promise<Array<[Error | null, unknown]> | null>;
    };
    for (const call of batch) pipeline[this.command]!(...call.args);
    pipeline.exec().then(
      (results) => {
        clearTimeout(timer);
        if (this.inFlight === batch) this.inFlight = undefined;
        batch.forEach((call, i) => {
          const [err, value] = results?.[i] ?? [new Error('no reply from redis'), undefined];
          if (err) call.reject(err);
          else call.resolve(value as T);
        });
        this.flush();
      },
      (err: unknown) => {
        clearTimeout(timer);
        if (this.inFlight === batch) this.inFlight = undefined;
        for (const call of batch) call.reject(err);
        this.flush();
      },
    );
  };
}

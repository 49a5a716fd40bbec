import { AppError } from '@app/common';

interface Task {
  run: () => Promise<unknown>;
  resolve: (value: unknown) => void;
  reject: (reason: unknown) => void;
}

/**
 * Runs tasks one at a time per key.
 *
 * Why: FerretDB v1 (SQLite backend) executes findAndModify/update as a read followed by a write
 * outside a transaction (FerretDB/FerretDB#3040), so concurrent `$inc`s lose increments and two
 * conditional updates on the same version can both succeed. Serializing those writes per key keeps
 * one instance correct there; on MongoDB they are atomic anyway and this only orders them.
 *
 * When a task fails because the database is away (503), the tasks queued behind it fail at once
 * with the same error instead of each waiting out its own server-selection timeout in turn.
 */
export class KeyedSerialQueue {
  private readonly queues = new Map<string, Task[]>();

  run<T>(key: string, operation: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const task: Task = { run: operation, resolve: resolve as (value: unknown) => void, reject };
      const queue = this.queues.get(key);
      if (queue) {
        queue.push(task);
        return;
      }
      const fresh = [task];
      this.queues.set(key, fresh);
      void this.drain(key, fresh);
    });
  }

  private async drain(key: string, queue: Task[]): Promise<void> {
    while (queue.length > 0) {
      const task = queue[0]!;
      try {
        const value = await task.run();
        queue.shift();
        task.resolve(value);
      } catch (err) {
        queue.shift();
        task.reject(err);
        if (err instanceof AppError && err.status === 503) {
          for (const waiting of queue.splice(0)) waiting.reject(err);
        }
      }
    }
    this.queues.delete(key);
  }
}

import { mapMongoError } from '@app/common';

/** Runs a query, turning "database away" driver errors into the 503 AppError at this edge. */
export async function query<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    throw mapMongoError(err);
  }
}

/** Runs `task` until it succeeds once; later callers get the settled success, failures are retried. */
export function onceSucceeded<T>(task: () => Promise<T>): () => Promise<T> {
  let done: Promise<T> | undefined;
  return () => {
    done ??= task().catch((err: unknown) => {
      done = undefined;
      throw err;
    });
    return done;
  };
}

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

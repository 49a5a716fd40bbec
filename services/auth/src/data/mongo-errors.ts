/** Runs `task` until it succeeds once; later callers get the settled success, failures are retried. */
export function onceSucceeded(task: () => Promise<void>): () => Promise<void> {
  let done: Promise<void> | undefined;
  return () => {
    done ??= task().catch((err: unknown) => {
      done = undefined;
      throw err;
    });
    return done;
  };
}

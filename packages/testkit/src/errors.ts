/** The error `work` rejects with when it is a `type`; another error is rethrown, and no rejection at all fails. */
export async function rejectionOf<E extends Error>(work: Promise<unknown>, type: abstract new (...args: never[]) => E): Promise<E> {
  try {
    await work;
  } catch (error) {
    if (error instanceof type) return error;
    throw error;
  }
  throw new Error(`expected a rejection with ${type.name}`);
}

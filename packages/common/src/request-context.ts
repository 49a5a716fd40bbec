import { AsyncLocalStorage } from 'node:async_hooks';

export interface RequestContext {
  requestId: string;
  userId?: string;
}

const storage = new AsyncLocalStorage<RequestContext>();

/** Runs `fn` with a request id (and user, when known) that every log line inside it carries. */
export function runWithContext<T>(context: RequestContext, fn: () => T): T {
  return storage.run(context, fn);
}

/** The context of the request or job being handled, if any. */
export function currentContext(): RequestContext | undefined {
  return storage.getStore();
}

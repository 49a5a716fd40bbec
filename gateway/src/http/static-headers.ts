import type { NextFunction, Request, RequestHandler, Response } from 'express';

/** What a header middleware does to a response: headers set, in order, and headers removed. */
export type HeaderOps = ReadonlyArray<readonly [name: string, value: string | number | readonly string[] | undefined]>;

/**
 * Runs a header middleware (helmet, CORS with a fixed answer) once against a recording response
 * and returns what it did, or undefined when it did anything else: touched the request, ended
 * the response, did not call `next()` at once, or passed an error. Its headers are then the same
 * for every request, and replaying them skips the middleware's per-request work.
 */
export function recordHeaders(middleware: RequestHandler, request: { method: string; headers: Record<string, string> }): HeaderOps | undefined {
  const ops: Array<[string, string | number | readonly string[] | undefined]> = [];
  const set = new Map<string, string | number | readonly string[]>();
  const seen = { next: false, error: false, other: false };
  const recorder: Record<string, (...args: never[]) => unknown> = {
    setHeader: (name: string, value: string | number | readonly string[]) => {
      ops.push([name, value]);
      set.set(name.toLowerCase(), value);
      return response;
    },
    getHeader: (name: string) => set.get(name.toLowerCase()),
    removeHeader: (name: string) => {
      ops.push([name, undefined]);
      set.delete(name.toLowerCase());
    },
  };
  const response: unknown = new Proxy(recorder, {
    get: (target, key) => {
      if (typeof key === 'string' && key in target) return target[key];
      seen.other = true;
      return undefined;
    },
  });
  const req = new Proxy(request, {
    get: (target, key) => {
      if (key === 'method' || key === 'headers') return target[key];
      seen.other = true;
      return undefined;
    },
  });
  middleware(
    req as unknown as Request,
    response as Response,
    ((err?: unknown) => {
      seen.next = true;
      seen.error = err !== undefined;
    }) as NextFunction,
  );
  return seen.next && !seen.error && !seen.other ? ops : undefined;
}

/** Replays recorded header operations on a response. */
export function applyHeaders(res: Response, ops: HeaderOps) {
  for (const [name, value] of ops) {
    if (value === undefined) res.removeHeader(name);
    else res.setHeader(name, value);
  }
}

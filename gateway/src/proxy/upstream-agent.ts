import { Agent, type IncomingHttpHeaders } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { UPSTREAM_SOCKETS } from '../routes/route-table';

/**
 * How long a keep-alive socket to a service may sit idle before the gateway closes it itself. Below
 * the services' DRAIN_DELAY_MS (3 s): by the time a draining service stops accepting, every socket of
 * ours to it was either closed by an answer during the drain (`Connection: close`) or closed here,
 * so the service never closes one under a request we are writing.
 */
export const UPSTREAM_IDLE_MS = 2000;

/** Requests replayed after a reset are buffered first, up to this size; a larger or chunked body is not replayed. */
export const MAX_REPLAY_BYTES = 1024 * 1024;

const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE']);

export type RetryReason = 'refused' | 'reset';

/** The bound on retrying one request to a service that is restarting (GATEWAY_UPSTREAM_RETRY_MS), and its metric. */
export interface UpstreamRetry {
  budgetMs: number;
  counted(upstream: string, reason: RetryReason): void;
}

/** The wait before retry number `attempt` (0-based): 50 ms doubling up to 1 s, a restart takes a few seconds. */
export function retryDelay(attempt: number): number {
  return Math.min(1000, 50 * 2 ** attempt);
}

/**
 * Whether a request may be sent again after its connection was reset before any answer: the
 * idempotent methods, and POST/PATCH that carry an Idempotency-Key (the service answers a repeat
 * with the first outcome). A connection refused is retried for every method, at the agent.
 */
export function replayableOnReset(method: string, headers: IncomingHttpHeaders): boolean {
  return IDEMPOTENT.has(method) || ((method === 'POST' || method === 'PATCH') && typeof headers['idempotency-key'] === 'string');
}

/** A connection closed under a request before any byte of an answer: the request may or may not have been read. */
export function isResetBeforeAnswer(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === 'ECONNRESET' || code === 'EPIPE';
}

type CreateConnection = (options: object, callback: (err: Error | null, socket?: Duplex) => void) => Duplex | undefined;

/** The keep-alive agent of one upstream, shared by the proxy and the cache's upstream calls, with its retry bound. */
export interface UpstreamAgent extends Agent {
  /** The upstream's name, as the retry metric labels it. */
  readonly upstream: string;
  readonly retry: UpstreamRetry;
  /** False once the gateway stopped: no more retries. */
  isOpen(): boolean;
}

/**
 * One keep-alive agent per upstream origin. Its connections are tried again while the service
 * refuses them (it is restarting), within the retry bound: nothing of a request has been sent when
 * its connection is refused, so this is safe for every method, streamed uploads included (the body
 * waits in the request until a socket is handed over).
 */
export function upstreamAgent(origin: string, name: string, retry: UpstreamRetry): UpstreamAgent {
  // `timeout` is the idle bound of a pooled socket (Node's agent closes a free socket that times out);
  // requests set their own timeout once they have a socket.
  const options = { keepAlive: true, maxSockets: UPSTREAM_SOCKETS, keepAliveMsecs: 10_000, timeout: UPSTREAM_IDLE_MS };
  const agent = origin.startsWith('https:') ? new HttpsAgent(options) : new Agent(options);
  const connect = agent.createConnection.bind(agent) as (options: object) => Socket;
  let open = true;
  const createConnection: CreateConnection = (connectOptions, callback) => {
    const started = Date.now();
    const attempt = (n: number) => {
      if (!open) {
        callback(new Error('the gateway is stopping'));
        return;
      }
      const socket = connect(connectOptions);
      const failed = (err: NodeJS.ErrnoException) => {
        socket.off('connect', connected);
        socket.off('timeout', silent);
        socket.destroy();
        const delay = retryDelay(n);
        if (err.code !== 'ECONNREFUSED' || !open || Date.now() - started + delay > retry.budgetMs) {
          callback(err);
          return;
        }
        retry.counted(name, 'refused');
        setTimeout(() => attempt(n + 1), delay).unref();
      };
      const connected = () => {
        socket.off('error', failed);
        socket.off('timeout', silent);
        callback(null, socket);
      };
      // The socket's idle timeout also bounds the connect, which the request's own timeout does not cover yet.
      const silent = () => failed(Object.assign(new Error('connect timed out'), { code: 'ETIMEDOUT' }));
      socket.once('error', failed);
      socket.once('connect', connected);
      socket.once('timeout', silent);
    };
    attempt(0);
    return undefined;
  };
  const destroy = agent.destroy.bind(agent);
  return Object.assign(agent, {
    upstream: name,
    retry,
    createConnection,
    isOpen: () => open,
    destroy() {
      open = false;
      destroy();
    },
  });
}

/** Whether a request through `agent` that failed with `err` may be sent again, `attempt` retries in, first sent at `started`. */
export function mayRetryReset(agent: UpstreamAgent, err: unknown, attempt: number, started: number): boolean {
  return isResetBeforeAnswer(err) && agent.isOpen() && Date.now() - started + retryDelay(attempt) <= agent.retry.budgetMs;
}

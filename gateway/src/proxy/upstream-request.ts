import { request, type Agent, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { mayRetryReset, retryDelay, type UpstreamAgent } from './upstream-agent';

export interface BufferedResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export class UpstreamError extends Error {
  constructor(
    readonly timeout: boolean,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'UpstreamError';
  }
}

/**
 * A bodiless request to a service, its answer read whole; used where the gateway must keep the
 * answer. Scheme, host and port come from the configured origin alone; `target` is the canonical
 * origin-form target and goes on the request line as it is, never parsed as a URL.
 */
export async function fetchUpstream(
  origin: string,
  target: string,
  headers: Record<string, string | string[] | undefined>,
  agent: UpstreamAgent,
  timeoutMs: number,
  maxBytes: number,
): Promise<BufferedResponse> {
  if (target.charCodeAt(0) !== 0x2f || target.charCodeAt(1) === 0x2f) throw new UpstreamError(false, 'not an origin-form target');
  const started = Date.now();
  for (let retries = 0; ; retries += 1) {
    try {
      return await fetchOnce(origin, target, headers, agent, timeoutMs, maxBytes);
    } catch (err) {
      // A GET: sent again when the service closed the connection before answering (it is stopping).
      if (!(err instanceof UpstreamError) || !err.cause || !mayRetryReset(agent, err.cause, retries, started)) throw err;
      agent.retry.counted(agent.upstream, 'reset');
      await new Promise((resolve) => setTimeout(resolve, retryDelay(retries)));
    }
  }
}

function fetchOnce(
  origin: string,
  target: string,
  headers: Record<string, string | string[] | undefined>,
  agent: Agent,
  timeoutMs: number,
  maxBytes: number,
): Promise<BufferedResponse> {
  const url = new URL(origin);
  const send = url.protocol === 'https:' ? httpsRequest : request;
  return new Promise((resolve, reject) => {
    const options = { protocol: url.protocol, hostname: url.hostname, port: url.port, path: target, method: 'GET', headers, agent };
    const req = send(options, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > maxBytes) {
          req.destroy(new UpstreamError(false, 'upstream answer too large to keep'));
          return;
        }
        chunks.push(chunk);
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 502, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', (err) => reject(err));
    });
    req.setTimeout(timeoutMs, () => req.destroy(new UpstreamError(true, 'upstream timed out')));
    req.on('error', (err) => reject(err instanceof UpstreamError ? err : new UpstreamError(false, err.message, { cause: err })));
    req.end();
  });
}

import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { bearer } from '@app/testkit/http';
import { waitFor } from '@app/testkit/wait';
import { routesFor, signToken, startHarness, type Harness } from './support';

interface Received {
  method: string;
  url: string;
  body: string;
}

/** A records service of our own on a given port: started when a test says, and told which requests to reset. */
function recordsService(port: number, resetFirst: (req: IncomingMessage) => boolean = () => false) {
  const received: Received[] = [];
  const reset = new Set<string>();
  let server: Server | undefined;
  return {
    received,
    start: () =>
      new Promise<void>((resolve) => {
        server = createServer((req, res) => {
          const chunks: Buffer[] = [];
          req.on('data', (chunk: Buffer) => chunks.push(chunk));
          req.on('end', () => {
            received.push({ method: req.method ?? '', url: req.url ?? '', body: Buffer.concat(chunks).toString() });
            const key = `${req.method} ${req.url} ${String(req.headers['idempotency-key'])}`;
            // Read, then the connection closed without a byte of an answer: as a service that stopped would.
            if (resetFirst(req) && !reset.has(key)) {
              reset.add(key);
              req.socket.destroy();
              return;
            }
            res.setHeader('content-type', 'application/json');
            res.end(JSON.stringify({ id: 7, description: 'served' }));
          });
        });
        server.listen(port, '127.0.0.1', resolve);
      }),
    stop: () =>
      new Promise<void>((resolve) => {
        server?.closeAllConnections();
        if (server) server.close(() => resolve());
        else resolve();
      }),
  };
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function retriesCounted(h: Harness, reason: string): Promise<number> {
  const text = await (await fetch(`${h.url}/metrics`)).text();
  const line = new RegExp(`^gateway_upstream_retries_total\\{upstream="records",reason="${reason}"[^}]*\\} (\\d+)`, 'm').exec(text);
  return line ? Number(line[1]) : 0;
}

describe('the gateway retrying a service that is restarting', () => {
  it('when a service refuses connections and listens again within the bound, then a read, a create and a streamed upload sent meanwhile are each served once', async () => {
    const port = await freePort();
    const service = recordsService(port);
    const h = await startHarness((urls) => ({
      GATEWAY_ROUTES: routesFor({ ...urls, records: `http://127.0.0.1:${port}` }),
      GATEWAY_UPSTREAM_RETRY_MS: '20000',
    }));
    try {
      const headers = { ...bearer(signToken(h.key)), 'content-type': 'application/json' };
      const chunks = ['{"description":', '"streamed"}'];
      const stream = new ReadableStream<Uint8Array>({
        pull(controller) {
          const next = chunks.shift();
          if (next === undefined) controller.close();
          else controller.enqueue(new TextEncoder().encode(next));
        },
      });
      const answers = Promise.all([
        // Through the cache (a cacheable read is filled by the gateway's own upstream call) and the proxy.
        fetch(`${h.url}/records/7`, { headers }),
        fetch(`${h.url}/records/`, { method: 'POST', headers, body: '{"description":"created"}' }),
        fetch(`${h.url}/records/`, { method: 'POST', headers, body: stream, duplex: 'half' }),
      ]);
      await waitFor('the gateway to be retrying', async () => (await retriesCounted(h, 'refused')) >= 3, 10_000);
      await service.start();
      const statuses = (await answers).map((response) => response.status);
      expect(statuses).toEqual([200, 200, 200]);
      expect(service.received.map((r) => `${r.method} ${r.url} ${r.body}`).sort()).toEqual([
        'GET /records/7 ',
        'POST /records/ {"description":"created"}',
        'POST /records/ {"description":"streamed"}',
      ]);
    } finally {
      await h.close();
      await service.stop();
    }
  });

  it('when a service closes the connection under a request before answering, then idempotent and keyed requests are sent again, and a create without a key answers 502 having been sent once', async () => {
    const port = await freePort();
    const service = recordsService(port, () => true);
    await service.start();
    const h = await startHarness((urls) => ({
      GATEWAY_ROUTES: routesFor({ ...urls, records: `http://127.0.0.1:${port}` }),
      GATEWAY_UPSTREAM_RETRY_MS: '20000',
    }));
    try {
      const headers = { ...bearer(signToken(h.key)), 'content-type': 'application/json' };
      const send = async (method: string, path: string, extra: Record<string, string> = {}, body?: string) =>
        (await fetch(`${h.url}${path}`, { method, headers: { ...headers, ...extra }, ...(body ? { body } : {}) })).status;
      expect(await send('GET', '/records/7')).toBe(200);
      expect(await send('GET', '/records/7/history')).toBe(200);
      expect(await send('PUT', '/records/8', {}, '{"description":"put"}')).toBe(200);
      expect(await send('DELETE', '/records/9')).toBe(200);
      expect(await send('POST', '/records/', { 'idempotency-key': 'k-1' }, '{"description":"keyed"}')).toBe(200);
      expect(await send('POST', '/records/', {}, '{"description":"unkeyed"}')).toBe(502);

      const times = (line: string) => service.received.filter((r) => `${r.method} ${r.url} ${r.body}` === line).length;
      expect(times('GET /records/7 ')).toBe(2);
      expect(times('GET /records/7/history ')).toBe(2);
      // The body sent again is the body sent first.
      expect(times('PUT /records/8 {"description":"put"}')).toBe(2);
      expect(times('DELETE /records/9 ')).toBe(2);
      expect(times('POST /records/ {"description":"keyed"}')).toBe(2);
      expect(times('POST /records/ {"description":"unkeyed"}')).toBe(1);
      expect(await retriesCounted(h, 'reset')).toBe(5);
    } finally {
      await h.close();
      await service.stop();
    }
  });
});

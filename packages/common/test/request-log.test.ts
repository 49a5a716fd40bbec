import type { Server } from 'node:http';
import { Writable } from 'node:stream';
import { AppError, closeServer, createLogger, createMetrics, createServiceApp, listen, portOf } from '@app/common';

type Line = Record<string, unknown> & { msg: string; level: number };

describe('the request log line and metrics of every service', () => {
  const lines: Line[] = [];
  const metrics = createMetrics('log-test');
  let server: Server;
  let url: string;

  beforeAll(async () => {
    const stream = new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const text of chunk.toString().split('\n')) if (text) lines.push(JSON.parse(text) as Line);
        done();
      },
    });
    const app = createServiceApp({
      service: 'log-test',
      logger: createLogger('log-test', 'info', stream),
      metrics,
      dependencies: [],
      routes: (a) => {
        a.get('/ok', (_req, res) => {
          res.json({ ok: true });
        });
        a.get('/refused', () => {
          throw AppError.badRequest('no');
        });
        a.get('/broken', () => {
          throw new Error('broken');
        });
      },
    });
    server = await listen(app, 0, '127.0.0.1');
    url = `http://127.0.0.1:${portOf(server)}`;
  });
  afterAll(async () => {
    await closeServer(server);
  });

  /** The request's line: written when the response finishes, which may be just after the client has it. */
  async function lineOf(path: string): Promise<{ line: Line | undefined; requestId: string | null }> {
    const response = await fetch(url + path);
    await response.arrayBuffer();
    await new Promise((r) => setTimeout(r, 50));
    const requestId = response.headers.get('x-request-id');
    return { line: lines.find((l) => l.requestId === requestId && l.msg.startsWith('request ')), requestId };
  }

  it('when a request succeeds, then one info line carries the method, the url as received, the status and the time', async () => {
    const { line } = await lineOf('/ok?x=1');
    expect(line).toMatchObject({
      level: 30,
      service: 'log-test',
      msg: 'request completed',
      req: { method: 'GET', url: '/ok?x=1' },
      res: { statusCode: 200 },
    });
    expect(typeof line!.responseTime).toBe('number');
    expect(Object.keys(line!).sort()).toEqual(['level', 'msg', 'req', 'requestId', 'res', 'responseTime', 'service', 'time']);
  });

  it('when a request is refused, then its line is a warning', async () => {
    const { line } = await lineOf('/refused');
    expect(line).toMatchObject({ level: 40, msg: 'request completed', res: { statusCode: 400 } });
  });

  it('when a request fails, then its line is an error with err', async () => {
    const { line } = await lineOf('/broken');
    expect(line).toMatchObject({ level: 50, msg: 'request errored', res: { statusCode: 500 }, err: { message: 'failed with status code 500' } });
  });

  it('when a probe asks /health, then it is counted but not logged', async () => {
    const { line, requestId } = await lineOf('/health');
    expect(requestId).toBeTruthy();
    expect(line).toBeUndefined();
    const text = await metrics.registry.metrics();
    expect(text).toMatch(/http_request_duration_seconds_count\{service="log-test",method="GET",route="\/health",status="200"\} [1-9]/);
    expect(text).toMatch(/http_request_duration_seconds_count\{service="log-test",method="GET",route="\/ok",status="200"\} 1/);
  });
});

import { createServer, type RequestListener, type Server } from 'node:http';
import { createServer as createTcpServer, type Server as TcpServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import cors from 'cors';
import express, { type RequestHandler } from 'express';
import helmet from 'helmet';
import { Redis } from 'ioredis';
import { applyHeaders, recordHeaders } from '../src/http/static-headers';
import { ScriptBatch } from '../src/redis/script-batch';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

async function serve(listener: RequestListener): Promise<{ server: Server; url: string }> {
  const server = createServer(listener);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

async function headersOf(middleware: RequestHandler, replay: boolean): Promise<Array<[string, string]>> {
  const app = express();
  const ops = recordHeaders(middleware, { method: 'GET', headers: {} });
  if (replay) {
    expect(ops).toBeDefined();
    app.use((_req, res, next) => {
      applyHeaders(res, ops!);
      next();
    });
  } else app.use(middleware);
  app.get('/', (_req, res) => {
    res.send('ok');
  });
  const { server, url } = await serve(app);
  try {
    const response = await fetch(url);
    await response.text();
    return [...response.headers].filter(([name]) => name !== 'date').sort();
  } finally {
    server.close();
  }
}

describe('headers recorded once and replayed', () => {
  const secure = helmet({ contentSecurityPolicy: { directives: { 'style-src': ["'self'", "'unsafe-inline'"], 'upgrade-insecure-requests': null } } });
  const crossOrigin = cors({ origin: '*', exposedHeaders: ['x-request-id', 'x-cache'], maxAge: 600 });

  it.each([
    ['helmet', secure],
    ['CORS for every origin', crossOrigin],
  ])('when %s is replayed, then a response carries exactly the headers the middleware itself sets', async (_name, middleware) => {
    const live = await headersOf(middleware, false);
    expect(live.length).toBeGreaterThan(2);
    expect(await headersOf(middleware, true)).toEqual(live);
  });

  it('when a middleware reads anything of the request but its method and headers, then it is not recorded', () => {
    const byPath: RequestHandler = (req, res, next) => {
      res.setHeader('x-path', req.path);
      next();
    };
    expect(recordHeaders(byPath, { method: 'GET', headers: {} })).toBeUndefined();
  });
});

describe('script calls batched with one pipeline in flight', () => {
  let redis: Redis;
  beforeAll(() => {
    redis = new Redis(REDIS_URL);
    redis.defineCommand('batchEcho', { numberOfKeys: 0, lua: 'return ARGV[1]' });
  });
  afterAll(() => {
    redis.disconnect();
  });

  it('when calls are made while a pipeline is in flight, then they go out together once it is answered', async () => {
    const batch = new ScriptBatch<string>(redis, 'batchEcho');
    const sizes: number[] = [];
    const pipeline = redis.pipeline.bind(redis);
    const spied = jest.spyOn(redis, 'pipeline').mockImplementation((...args) => {
      const p = pipeline(...args);
      const exec = p.exec.bind(p);
      p.exec = (...execArgs) => {
        sizes.push(p.length);
        return exec(...execArgs);
      };
      return p;
    });
    try {
      const first = batch.call('a');
      // The first pipeline goes out at the end of this turn; these wait for its answer.
      await new Promise((r) => setImmediate(r));
      const rest = ['b', 'c', 'd'].map((v) => batch.call(v));
      expect(await Promise.all([first, ...rest])).toEqual(['a', 'b', 'c', 'd']);
      expect(sizes).toEqual([1, 3]);
    } finally {
      spied.mockRestore();
    }
  });

  it('when Redis does not answer in time, then every call of the batch is refused and later calls are not stuck behind it', async () => {
    const sockets = new Set<Socket>();
    const silent: TcpServer = createTcpServer((socket) => sockets.add(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const mute = new Redis({
      port: (silent.address() as AddressInfo).port,
      host: '127.0.0.1',
      lazyConnect: false,
      enableReadyCheck: false,
      maxRetriesPerRequest: null,
    });
    mute.defineCommand('batchEcho', { numberOfKeys: 0, lua: 'return ARGV[1]' });
    try {
      const batch = new ScriptBatch<string>(mute, 'batchEcho', { ms: 100, what: 'test' });
      const started = Date.now();
      await expect(Promise.all([batch.call('a'), batch.call('b')])).rejects.toThrow('test timed out after 100 ms');
      expect(Date.now() - started).toBeLessThan(1000);
      // Queued behind the unanswered pipeline, and refused on time too.
      await expect(batch.call('c')).rejects.toThrow('test timed out after 100 ms');
    } finally {
      mute.disconnect();
      for (const socket of sockets) socket.destroy();
      silent.close();
    }
  });
});

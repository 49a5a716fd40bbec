import { Agent, get } from 'node:http';
import express from 'express';
import { createLogger, entryPoint, startProcess, type RunningProcess } from '@app/common';

const logger = createLogger('start-process-test', 'silent');
const options = { logger, shutdownMs: 2000 };
const app = () => {
  const handler = express();
  handler.get('/ping', (_req, res) => {
    res.json({ ok: true });
  });
  return handler;
};

describe('startProcess', () => {
  it('when stopped, then the server closes first and the rest in the reverse order of opening, once however often stop is called', async () => {
    const closed: string[] = [];
    const running = await startProcess(options, async (setup) => {
      setup.onStop('database', () => closed.push('database'));
      setup.onStop('queue', async () => {
        await new Promise((resolve) => setTimeout(resolve, 20));
        closed.push('queue');
      });
      const server = await setup.listen(app(), 0, '127.0.0.1');
      server.on('close', () => closed.push('server'));
      return { extra: 'kept' };
    });
    expect(running.extra).toBe('kept');
    expect((await fetch(`${running.url}/ping`)).status).toBe(200);

    await Promise.all([running.stop(), running.stop()]);
    await running.stop();
    expect(closed).toEqual(['server', 'queue', 'database']);
    await expect(fetch(`${running.url}/ping`)).rejects.toThrow();
  });

  it('when start-up fails after opening things, then they are closed and the error passes on', async () => {
    const closed: string[] = [];
    await expect(
      startProcess(options, async (setup) => {
        setup.onStop('database', () => closed.push('database'));
        setup.every('sweep', 10, async () => undefined);
        throw new Error('port taken');
      }),
    ).rejects.toThrow('port taken');
    expect(closed).toEqual(['database']);
  });

  it('when a process never listens, then start fails rather than return a process without a port', async () => {
    await expect(startProcess(options, async () => ({}))).rejects.toThrow('did not listen');
  });

  it('when one close hangs, then stop gives up on it after its bound and closes the rest', async () => {
    const closed: string[] = [];
    const running = await startProcess(options, async (setup) => {
      setup.onStop('database', () => closed.push('database'));
      setup.onStop('stuck broker', () => new Promise(() => undefined), 100);
      await setup.listen(app(), 0, '127.0.0.1');
      return {};
    });
    // Without the bound this stop never settles and the test times out.
    await running.stop();
    expect(closed).toEqual(['database']);
  });

  it('when preparation fails while a dependency is away, then it is retried until it succeeds, and prepared settles', async () => {
    let attempts = 0;
    let ready = false;
    const running = await startProcess(options, async (setup) => {
      void setup.prepare('indexes', async () => {
        attempts += 1;
        if (attempts < 3) throw new Error('database away');
      });
      await setup.listen(app(), 0, '127.0.0.1');
      ready = setup.isPrepared();
      return { isPrepared: () => setup.isPrepared() };
    });
    expect(ready).toBe(false);
    await running.prepared;
    expect(attempts).toBe(3);
    expect(running.isPrepared()).toBe(true);
    await running.stop();
  });

  it('when the process stops while preparation keeps failing, then the retries end and prepared settles', async () => {
    let attempts = 0;
    const running = await startProcess(options, async (setup) => {
      void setup.prepare('indexes', async () => {
        attempts += 1;
        throw new Error('database away');
      });
      await setup.listen(app(), 0, '127.0.0.1');
      return {};
    });
    await running.stop();
    await running.prepared;
    const after = attempts;
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(attempts).toBe(after);
  });

  it('when periodic work takes longer than its interval, then runs never overlap, and none start after stop', async () => {
    let active = 0;
    let most = 0;
    let runs = 0;
    const running = await startProcess(options, async (setup) => {
      setup.every('sweep', 10, async () => {
        active += 1;
        runs += 1;
        most = Math.max(most, active);
        await new Promise((resolve) => setTimeout(resolve, 40));
        active -= 1;
      });
      await setup.listen(app(), 0, '127.0.0.1');
      return {};
    });
    await new Promise((resolve) => setTimeout(resolve, 200));
    await running.stop();
    const after = runs;
    expect(most).toBe(1);
    expect(runs).toBeGreaterThan(0);
    expect(active).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(runs).toBe(after);
  });
});

/** A GET through `agent` (a keep-alive one reuses its socket); the status and the Connection header of the answer. */
function getThrough(agent: Agent | false, url: string): Promise<{ status: number; connection: string | undefined }> {
  return new Promise((resolve, reject) => {
    get(url, { agent }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, connection: res.headers.connection }));
    }).on('error', reject);
  });
}

describe('draining before a stop', () => {
  it('when a process drains, then /ready answers 503 while requests are served, then new connections are refused and an open keep-alive connection ends after its next answer', async () => {
    const running = await startProcess({ logger, shutdownMs: 10_000, drainMs: 1000 }, async (setup) => {
      const handler = app();
      handler.get('/ready', (_req, res) => {
        res.json({ status: 'ready' });
      });
      await setup.listen(handler, 0, '127.0.0.1');
      return {};
    });
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      expect((await getThrough(agent, `${running.url}/ready`)).status).toBe(200);
      const draining = running.drain();
      expect(await getThrough(agent, `${running.url}/ready`)).toEqual({ status: 503, connection: 'keep-alive' });
      expect(await getThrough(agent, `${running.url}/ping`)).toEqual({ status: 200, connection: 'keep-alive' });

      // Once the delay is over a new connection is refused, and the one kept open is told to close.
      // (A connection that reaches the listener the moment it closes is reset: probed again.)
      let code: string | undefined;
      while (code !== 'ECONNREFUSED') {
        code = await getThrough(false, `${running.url}/ping`).then(
          () => undefined,
          (err: unknown) => (err as { code?: string }).code,
        );
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect(await getThrough(agent, `${running.url}/ping`)).toEqual({ status: 200, connection: 'close' });
      // No connection left open: the drain ends without waiting out its bound.
      const started = Date.now();
      await draining;
      expect(Date.now() - started).toBeLessThan(900);
    } finally {
      agent.destroy();
      await running.stop();
    }
  });

  it('when a process that was never asked to drain is stopped, then it stops at once', async () => {
    const running = await startProcess({ logger, shutdownMs: 10_000, drainMs: 5000 }, async (setup) => {
      await setup.listen(app(), 0, '127.0.0.1');
      return {};
    });
    const started = Date.now();
    await running.stop();
    expect(Date.now() - started).toBeLessThan(2000);
  });
});

describe('entryPoint', () => {
  it('when the module-level stop is called, then every instance start made is stopped', async () => {
    const stopped: number[] = [];
    let next = 0;
    const entry = entryPoint('test', async (): Promise<RunningProcess> => {
      const id = (next += 1);
      return startProcess(options, async (setup) => {
        setup.onStop('marker', () => stopped.push(id));
        await setup.listen(app(), 0, '127.0.0.1');
        return {};
      });
    });
    const first = await entry.start();
    await entry.start();
    await entry.start();
    await first.stop();
    expect(stopped).toEqual([1]);
    await entry.stop();
    expect(stopped.sort()).toEqual([1, 2, 3]);
    await entry.stop();
    expect(stopped).toHaveLength(3);
  });
});

import { randomUUID } from 'node:crypto';
import { dependency, env, loadConfig, serviceShape } from '@app/common';
import { startService } from '@app/common/service';
import { waitFor } from '@app/testkit/wait';

// A service of the smallest kind: the shared fragment and one variable of its own, as a config.ts has.
function loadDemoConfig(overrides: NodeJS.ProcessEnv) {
  return loadConfig(
    { ...serviceShape({ port: 0, database: 'demo' }), DEMO_GREETING: env.list('hello') },
    { ...process.env, IDENTITY_SECRET: 'x'.repeat(32), LOG_LEVEL: 'silent', HOST: '127.0.0.1', PORT: '0', ...overrides },
  );
}

const demo = startService('demo', loadDemoConfig, async (setup) => {
  const mongo = setup.mongo();
  const bus = setup.eventBus();
  await setup.serve(
    {
      dependencies: [dependency.mongodb(mongo, 'required')],
      routes: (app) => {
        app.get('/about', (_req, res) => {
          res.json({ database: mongo.db?.databaseName, greeting: setup.config.DEMO_GREETING });
        });
      },
    },
    setup.config.PORT,
  );
  return { mongo, bus };
});

afterAll(async () => {
  await demo.stop();
});

describe('startService', () => {
  it('when a service starts through it, then it serves its routes and readiness on PORT, on its own MONGO_DB, and stop closes its connections', async () => {
    const database = `start-service-${randomUUID().slice(0, 8)}`;
    const running = await demo.start({ MONGO_DB: database, DEMO_GREETING: 'hi,there' });

    await waitFor('the service to be ready', async () => (await fetch(`${running.url}/ready`)).status === 200);
    expect(await (await fetch(`${running.url}/about`)).json()).toEqual({ database, greeting: ['hi', 'there'] });
    expect((await fetch(`${running.url}/health`)).status).toBe(200);

    await running.stop();
    // mongoose's disconnected state: the connection was closed, not left dialling.
    expect(running.mongo.readyState).toBe(0);
    await expect(fetch(`${running.url}/about`)).rejects.toThrow();
  });

  it('when its configuration is refused, then start fails naming each refused variable', async () => {
    await expect(demo.start({ MONGO_URL: 'http://not-mongo', MONGO_DB: 'no spaces allowed' })).rejects.toThrow(
      /MONGO_URL is invalid: must be a URL \(mongodb, mongodb\+srv\)[\s\S]*MONGO_DB is invalid: must be a database name/,
    );
  });
});

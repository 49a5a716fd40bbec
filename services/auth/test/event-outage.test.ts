import type { Connection } from 'mongoose';
import { observeEvents, type ObservedEvents } from '@app/testkit/events';
import { AMQP_URL, connectDatabase } from '@app/testkit/servers';
import { TcpProxy } from '@app/testkit/tcp-proxy';
import { sleep, waitFor } from '@app/testkit/wait';
import { call, newSession, register, startAuth, uniqueName, type TestAuth } from './support';

// Auth's events go through its outbox: a change made while the broker is away is published once it
// is back, by the instance that made it or, when that one stopped meanwhile, by the next one, as one
// event (every delivery carries the entry's id).
const broker = new URL(AMQP_URL);
const proxy = new TcpProxy(Number(broker.port || 5672), broker.hostname);
let auth: TestAuth;
let db: Connection;
let events: ObservedEvents;

beforeAll(async () => {
  await proxy.open();
  const url = new URL(AMQP_URL);
  url.port = String(proxy.port);
  auth = await startAuth({ AMQP_URL: url.toString(), OUTBOX_SWEEP_MS: '200' });
  db = await connectDatabase(auth.db);
  events = await observeEvents(['user.*', 'token.revoked']);
});

afterAll(async () => {
  await events?.close();
  await db?.close();
  await auth?.cleanup();
  await proxy.close();
});

const outboxSize = () => db.collection('outbox').countDocuments({});
const idsOf = (type: string, userId: string) => [
  ...new Set(events.events.filter((e) => e.type === type && (e.data as { userId?: string }).userId === userId).map((e) => e.id)),
];

test('when the broker is away as a user registers and auth restarts, then user.registered goes out once the broker is back, as one event', async () => {
  await proxy.close();
  const user = await register(auth.url, uniqueName());
  await waitFor('the event in the outbox', async () => (await outboxSize()) === 1);
  await sleep(300);
  expect(idsOf('user.registered', user.id)).toEqual([]);

  // The instance that wrote it stops with the event only in the outbox.
  await proxy.open();
  await auth.restart();

  await events.waitFor((e) => e.type === 'user.registered' && (e.data as { userId?: string }).userId === user.id, 15_000);
  await waitFor('the outbox to empty', async () => (await outboxSize()) === 0);
  expect(idsOf('user.registered', user.id)).toHaveLength(1);
});

test('when the broker is away as a user deletes the account, then user.deleted and token.revoked go out once it is back, one event each', async () => {
  const { user } = await newSession(auth.url);
  await waitFor('the earlier events to go out', async () => (await outboxSize()) === 0);
  await proxy.close();
  const res = await call(auth.url, 'DELETE', '/auth/me', {
    caller: { userId: user.id, userName: user.username },
    json: { password: 'correct-horse-battery' },
  });
  expect(res.status).toBe(204);
  await waitFor('both events in the outbox', async () => (await outboxSize()) === 2);
  expect(idsOf('user.deleted', user.id)).toEqual([]);

  await proxy.open();
  await events.waitFor((e) => e.type === 'user.deleted' && (e.data as { userId?: string }).userId === user.id, 15_000);
  await events.waitFor((e) => e.type === 'token.revoked' && (e.data as { userId?: string }).userId === user.id, 15_000);
  await waitFor('the outbox to empty', async () => (await outboxSize()) === 0);
  expect(idsOf('user.deleted', user.id)).toHaveLength(1);
  expect(idsOf('token.revoked', user.id)).toHaveLength(1);
});

import { revokedJtiKey } from '@app/common';
import { randomUUID } from 'node:crypto';
import mongoose, { type Connection } from 'mongoose';
import type { CommandStartedEvent } from 'mongodb';
import { MongoRefreshTokenRepository } from '../src/data/refresh-token-repository';
import { newRefreshToken, refreshTokenHash } from '../src/domain/refresh-token-secret';
import { MONGO_URL, withRedis } from '@app/testkit/servers';
import { call, decodeJwt, login, newSession, startAuth, type TestAuth } from './support';

// On FerretDB v1 any filter but `_id` alone reads the whole collection, so refresh, logout and reuse
// detection must reach their documents by `_id` only, however many other tokens are stored.

const TOKENS = 'refresh_tokens_by_hash';
const FAMILIES = 'refresh_token_families';
const MARKS = 'revoked_refresh_families';
const USES = 'used_refresh_tokens';
const DAY = 24 * 3_600_000;

/** Tokens and family documents of other users, in the stored shape, so that every query has thousands of others to skip. */
async function storeOthersTokens(db: Connection, count: number): Promise<void> {
  const now = Date.now();
  const tokens = Array.from({ length: count }, (_, i) => {
    const familyId = randomUUID();
    return {
      _id: refreshTokenHash(newRefreshToken()),
      parentHash: `login:${familyId}`,
      familyId,
      userId: `other-${i % 300}`,
      createdAt: new Date(now),
      expiresAt: new Date(now + 14 * DAY),
      accessJti: randomUUID(),
      accessExpiresAt: new Date(now + 1_200_000),
    };
  });
  await db.collection<{ _id: string }>(TOKENS).insertMany(tokens);
  await db
    .collection<{ _id: string; userId: string; latestHash: string }>(FAMILIES)
    .insertMany(tokens.map((token) => ({ _id: token.familyId, userId: token.userId, latestHash: token._id })));
}

describe('the queries behind refresh, logout and reuse detection', () => {
  let client: Connection;
  let db: Connection;
  const started: CommandStartedEvent[] = [];

  beforeAll(async () => {
    client = await mongoose.createConnection(MONGO_URL, { monitorCommands: true }).asPromise();
    client.getClient().on('commandStarted', (event: CommandStartedEvent) => started.push(event));
    db = client.useDb(`test-${randomUUID()}`);
  });
  afterAll(async () => {
    await db?.dropDatabase().catch(() => undefined);
    await client?.close();
  });

  /** The filters of every command sent to the refresh-token collections; inserts have none. */
  function filtersSent(): Array<{ command: string; collection: string; filter: unknown }> {
    const sent: Array<{ command: string; collection: string; filter: unknown }> = [];
    for (const event of started) {
      const command = event.command as Record<string, unknown>;
      const collection = command[event.commandName];
      if (typeof collection !== 'string' || ![TOKENS, FAMILIES, MARKS, USES].includes(collection)) continue;
      const add = (filter: unknown) => sent.push({ command: event.commandName, collection, filter });
      if (event.commandName === 'find') add(command.filter ?? {});
      else if (event.commandName === 'update') for (const update of command.updates as Array<{ q: unknown }>) add(update.q);
      else if (event.commandName === 'delete') for (const remove of command.deletes as Array<{ q: unknown }>) add(remove.q);
      else if (event.commandName === 'findAndModify') add(command.query);
      else if (event.commandName !== 'insert') add(`a ${event.commandName} command`);
    }
    return sent;
  }

  const byIdAlone = (filter: unknown) =>
    typeof filter === 'object' && filter !== null && Object.keys(filter).length === 1 && typeof (filter as { _id?: unknown })._id === 'string';

  it('when a session logs in, rotates, is replayed and ends among 3,000 other tokens, then every query filters on _id alone and no token is updated', async () => {
    const repository = new MongoRefreshTokenRepository(db);
    await repository.prepare();
    await storeOthersTokens(db, 3000);
    const familyId = randomUUID();
    const now = new Date();
    const access = (minutes: number) => ({ accessJti: randomUUID(), accessExpiresAt: new Date(now.getTime() + minutes * 60_000) });
    const first = refreshTokenHash(newRefreshToken());
    const second = refreshTokenHash(newRefreshToken());
    const third = refreshTokenHash(newRefreshToken());
    const base = { familyId, userId: 'me', now, expiresAt: new Date(now.getTime() + 14 * DAY) };
    started.length = 0;

    // Login, then two rotations; the second one's access token already expired, the others live.
    const firstAccess = access(-1);
    expect(await repository.create({ ...base, tokenHash: first, parentHash: `login:${familyId}`, ...firstAccess })).toBe(true);
    expect(await repository.use(first, now)).toMatchObject({ status: 'accepted', token: { familyId, userId: 'me' } });
    const secondAccess = access(19);
    expect(await repository.create({ ...base, tokenHash: second, parentHash: first, ...secondAccess })).toBe(true);
    // The same parent once more (a concurrent rotation): it loses.
    expect(await repository.create({ ...base, tokenHash: third, parentHash: first, ...access(20) })).toBe(false);
    expect(await repository.use(second, now)).toMatchObject({ status: 'accepted' });
    const thirdAccess = access(20);
    expect(await repository.create({ ...base, tokenHash: third, parentHash: second, ...thirdAccess })).toBe(true);

    // A replay of the first token, then the family ends.
    expect(await repository.use(first, now)).toMatchObject({ status: 'replayed', token: { familyId } });
    expect(await repository.findByHash(second)).toMatchObject({ familyId, userId: 'me' });
    await repository.revokeFamily(familyId, now);
    // Newest first; the walk stops at the first access token that has expired.
    expect(await repository.liveAccessTokens(familyId, now)).toEqual(
      [thirdAccess, secondAccess].map((a) => ({ jti: a.accessJti, exp: Math.floor(a.accessExpiresAt.getTime() / 1000) })),
    );
    expect(await repository.isFamilyRevoked(familyId)).toBe(true);
    expect(await repository.use(third, now)).toEqual({ status: 'rejected' });
    expect(await repository.use(refreshTokenHash(newRefreshToken()), now)).toEqual({ status: 'rejected' });

    const sent = filtersSent();
    expect(sent.length).toBeGreaterThan(10);
    expect(sent.filter((query) => !byIdAlone(query.filter))).toEqual([]);
    // A use is recorded by an insert, not an update of the token (updates pass over every row on FerretDB v1).
    expect(sent.filter((query) => query.command !== 'find' && query.collection === TOKENS)).toEqual([]);
  });
});

describe('refresh tokens among thousands of others, through the service', () => {
  let auth: TestAuth;
  let db: Connection;
  beforeAll(async () => {
    auth = await startAuth();
    await auth.service.prepared;
    db = await mongoose.createConnection(MONGO_URL, { dbName: auth.db }).asPromise();
    await storeOthersTokens(db, 3000);
  });
  afterAll(async () => {
    await db?.close();
    await auth?.cleanup();
  });

  const refresh = (refresh_token: string) => call(auth.url, 'POST', '/auth/refresh', { json: { refresh_token } });
  const jtiKeyOf = (token: string) => revokedJtiKey(decodeJwt(token).payload.sub as string, decodeJwt(token).payload.jti as string);
  const revokedInRedis = (tokens: string[]) => withRedis((redis) => Promise.all(tokens.map((token) => redis.get(jtiKeyOf(token)))));

  it('when a token rotates, is replayed and its session logs out, then each works as with nothing else stored', async () => {
    const { user, tokens } = await newSession(auth.url);
    const second = (await refresh(tokens.refresh_token)).body as { access_token: string; refresh_token: string };
    const third = (await refresh(second.refresh_token)).body as { access_token: string; refresh_token: string };
    expect(third.refresh_token).toBeDefined();
    // Replay: the family and its live access tokens end; nobody else's.
    expect((await refresh(tokens.refresh_token)).status).toBe(400);
    expect((await refresh(third.refresh_token)).status).toBe(400);
    expect(await revokedInRedis([tokens.access_token, second.access_token, third.access_token])).toEqual(['1', '1', '1']);

    // Logout by the access token alone (its sid) ends another session of the same user.
    const other = (await login(auth.url, user.username)).body as { access_token: string; refresh_token: string };
    const rotated = (await refresh(other.refresh_token)).body as { access_token: string; refresh_token: string };
    const logout = await call(auth.url, 'POST', '/auth/logout', {
      caller: { userId: user.id, userName: user.username },
      headers: { authorization: `Bearer ${rotated.access_token}` },
    });
    expect(logout.status).toBe(204);
    expect((await refresh(rotated.refresh_token)).status).toBe(400);
    expect(await revokedInRedis([other.access_token, rotated.access_token])).toEqual(['1', '1']);
    // The other users' tokens are still all there.
    expect(await db.collection(TOKENS).countDocuments({ userId: /^other-/ })).toBe(3000);
  });

  it('when one refresh token is presented 20 times at once, then exactly one successor is stored, at most one answer is 200 and the family ends revoked', async () => {
    const { tokens } = await newSession(auth.url);
    const results = await Promise.all(Array.from({ length: 20 }, () => refresh(tokens.refresh_token)));
    const winners = results.filter((r) => r.status === 200);
    expect(winners.length).toBeLessThanOrEqual(1);
    expect(results.filter((r) => r.status === 400)).toHaveLength(20 - winners.length);
    expect(await db.collection(TOKENS).countDocuments({ parentHash: refreshTokenHash(tokens.refresh_token) })).toBe(1);
    expect(await db.collection<{ _id: string }>(USES).countDocuments({ _id: refreshTokenHash(tokens.refresh_token) })).toBe(1);
    for (const winner of winners) expect((await refresh(winner.body.refresh_token as string)).status).toBe(400);
  });
});

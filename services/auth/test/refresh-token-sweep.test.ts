import { randomUUID } from 'node:crypto';
import type { Connection } from 'mongoose';
import { countingConnection, type CountingConnection } from '@app/testkit/databases';
import { uniqueId } from '@app/testkit/servers';
import { MongoRefreshTokenRepository } from '../src/data/refresh-token-repository';

// The hourly sweep replaces the TTL index FerretDB v1 lacks; it must read what is due, not every
// token stored. Documents read are counted from the server's replies.
let counting: CountingConnection;
const databases: Connection[] = [];

beforeAll(async () => {
  counting = await countingConnection();
});

afterAll(async () => {
  for (const db of databases) await db.dropDatabase().catch(() => undefined);
  await counting.close();
});

/** Each test on a database of its own: the sweep reads from the head, which earlier tests' tokens would fill. */
function freshDatabase(): Connection {
  const db = counting.connection.useDb(uniqueId());
  databases.push(db);
  return db;
}

const token = (expiresAt: Date, familyId: string = randomUUID()) => {
  const hash = randomUUID();
  return { _id: hash, parentHash: `login:${hash}`, familyId, userId: 'u', createdAt: new Date(), expiresAt };
};

describe('the refresh-token sweep', () => {
  it('when a few tokens expired and many live ones follow, then it deletes those few and reads about one batch past them', async () => {
    const db = freshDatabase();
    const repository = new MongoRefreshTokenRepository(db);
    await repository.prepare();
    const tokens = db.collection<{ _id: string }>('refresh_tokens_by_hash');
    const expired = Array.from({ length: 25 }, () => token(new Date(Date.now() - 1000)));
    await tokens.insertMany(expired);
    for (let batch = 0; batch < 4; batch += 1) {
      await tokens.insertMany(Array.from({ length: 500 }, () => token(new Date(Date.now() + 14 * 24 * 3_600_000))));
    }
    await db.collection<{ _id: string; revokedAt: Date }>('revoked_refresh_families').insertMany([
      { _id: 'old-mark', revokedAt: new Date(Date.now() - 400 * 24 * 3_600_000) },
      { _id: 'recent-mark', revokedAt: new Date() },
    ]);

    counting.resetReads();
    expect(await repository.deleteExpired(new Date())).toBe(25);
    // The head batch with the expired ones, one batch with none, the 25 expired tokens' families
    // (none here) and the two family marks.
    expect(counting.documentsRead()).toBeLessThanOrEqual(1002);
    expect(await tokens.countDocuments({})).toBe(2000);
    expect(await repository.findByHash(expired[0]!._id)).toBeUndefined();
    expect(await repository.isFamilyRevoked('old-mark')).toBe(false);
    expect(await repository.isFamilyRevoked('recent-mark')).toBe(true);
  });

  it("when a family's newest token expires, then its family document goes too; a family whose newest token lives keeps it; use marks go with their tokens", async () => {
    const db = freshDatabase();
    const repository = new MongoRefreshTokenRepository(db);
    const now = new Date();
    const hour = 3_600_000;
    const families = db.collection<{ _id: string }>('refresh_token_families');
    const uses = db.collection<{ _id: string }>('used_refresh_tokens');
    const hashes: string[] = [];
    // Family A: both tokens expired. Family B: its first token expired, its newest lives.
    for (const [familyId, lifetimes] of [
      ['family-a', [-2 * hour, -hour]],
      ['family-b', [-hour, 14 * 24 * hour]],
    ] as const) {
      let parentHash = `login:${familyId}`;
      for (const lifetime of lifetimes) {
        const tokenHash = randomUUID();
        const created = await repository.create({
          tokenHash,
          parentHash,
          familyId,
          userId: 'u',
          now: new Date(now.getTime() + lifetime - 14 * 24 * hour),
          expiresAt: new Date(now.getTime() + lifetime),
        });
        expect(created).toBe(true);
        hashes.push(tokenHash);
        parentHash = tokenHash;
      }
    }
    expect(await families.countDocuments({ _id: { $in: ['family-a', 'family-b'] } })).toBe(2);
    // A use mark for every token: those of swept tokens go with them, the live token's stays.
    await uses.insertMany(hashes.map((hash) => ({ _id: hash, usedAt: now })));

    expect(await repository.deleteExpired(now)).toBeGreaterThanOrEqual(3);
    expect(await families.findOne({ _id: 'family-a' })).toBeNull();
    expect(await families.findOne({ _id: 'family-b' })).not.toBeNull();
    expect((await uses.find({ _id: { $in: hashes } }).toArray()).map((mark) => mark._id)).toEqual([hashes[3]]);
  });
});

import { randomUUID } from 'node:crypto';
import type { Connection } from 'mongoose';
import { useTestDatabase } from '@app/tests/support/databases';
import { refreshTokenRepository } from '../src/data/refresh-token-repository';

// The hourly sweep replaces the TTL index FerretDB v1 lacks; it must read what is due, not every
// token stored. Documents read are counted from the server's replies.
const database = useTestDatabase();
let db: Connection;

beforeAll(() => {
  db = database.db;
});

const token = (expiresAt: Date) => {
  const tokenHash = randomUUID();
  return { tokenHash, parentHash: `login:${tokenHash}`, familyId: randomUUID(), userId: 'u', createdAt: new Date(), expiresAt, usedAt: null, revokedAt: null };
};

describe('the refresh-token sweep', () => {
  it('when a few tokens expired and many live ones follow, then it deletes those few and reads about one batch past them', async () => {
    const repository = refreshTokenRepository(db);
    await repository.ensureIndexes();
    const tokens = db.collection('refresh_tokens');
    const expired = Array.from({ length: 25 }, () => token(new Date(Date.now() - 1000)));
    await tokens.insertMany(expired);
    for (let batch = 0; batch < 4; batch += 1) {
      await tokens.insertMany(Array.from({ length: 500 }, () => token(new Date(Date.now() + 14 * 24 * 3_600_000))));
    }
    await db.collection('revoked_refresh_families').insertMany([
      { _id: 'old-mark' as never, revokedAt: new Date(Date.now() - 400 * 24 * 3_600_000) },
      { _id: 'recent-mark' as never, revokedAt: new Date() },
    ]);

    database.resetReads();
    expect(await repository.deleteExpired(new Date())).toBe(25);
    // The head batch with the expired ones, one batch with none, and the two family marks.
    expect(database.documentsRead()).toBeLessThanOrEqual(1002);
    expect(await tokens.countDocuments({})).toBe(2000);
    expect(await repository.findByHash(expired[0]!.tokenHash)).toBeUndefined();
    expect(await repository.isFamilyRevoked('old-mark')).toBe(false);
    expect(await repository.isFamilyRevoked('recent-mark')).toBe(true);
  });
});

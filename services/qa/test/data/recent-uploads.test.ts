import { randomUUID } from 'node:crypto';
import { RecentUploads } from '../../src/data/recent-uploads';
import { deleteKeys, uniqueId, withRedis } from '@app/testkit/servers';
import { sleep } from '@app/testkit/wait';

// Deduplication finds a user's earlier job for the same documents with one Redis command, on the
// real server: first come records itself, later ones within the window get its id, and the record
// lapses with the window.
const prefix = `qa:${uniqueId()}:recent-uploads`;
afterAll(() => deleteKeys(`${prefix}:*`));

test('when the same documents come again within the window, then the first job is named; after it, the next one records itself', async () => {
  await withRedis(async (redis) => {
    const uploads = new RecentUploads(redis, prefix);
    const [first, second, third] = [randomUUID(), randomUUID(), randomUUID()];
    expect(await uploads.claim('alice', 'hash', first, 300)).toBeNull();
    expect(await uploads.claim('alice', 'hash', second, 300)).toBe(first);
    // Another user, or other documents, are not the same upload.
    expect(await uploads.claim('bob', 'hash', second, 300)).toBeNull();
    expect(await uploads.claim('alice', 'other', second, 300)).toBeNull();
    await sleep(400);
    expect(await uploads.claim('alice', 'hash', third, 300)).toBeNull();
  });
});

test('when 20 uploads of the same documents race, then exactly one records itself and the others get its id', async () => {
  await withRedis(async (redis) => {
    const uploads = new RecentUploads(redis, prefix);
    const ids = Array.from({ length: 20 }, () => randomUUID());
    const answers = await Promise.all(ids.map((id) => uploads.claim('carol', 'race', id, 10_000)));
    const winners = ids.filter((_, i) => answers[i] === null);
    expect(winners).toHaveLength(1);
    expect(answers.filter((answer) => answer !== null).every((answer) => answer === winners[0])).toBe(true);
  });
});

test('when the recorded job is gone, then the next upload takes its place', async () => {
  await withRedis(async (redis) => {
    const uploads = new RecentUploads(redis, prefix);
    const [gone, next, later] = [randomUUID(), randomUUID(), randomUUID()];
    await uploads.claim('dave', 'hash', gone, 10_000);
    await uploads.replace('dave', 'hash', next, 10_000);
    expect(await uploads.claim('dave', 'hash', later, 10_000)).toBe(next);
  });
});

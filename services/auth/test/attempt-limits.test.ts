import { randomUUID } from 'node:crypto';
import { MemoryAttemptStore, RedisAttemptStore, waitAfter } from '../src/data/attempt-store';
import type { AttemptStore, SlowDownPolicy } from '../src/domain/ports';
import { addressGroup } from '../src/domain/address-group';
import { deleteKeys, withRedis } from '@app/testkit/servers';

describe('addressGroup', () => {
  it.each([
    ['198.51.100.7', '198.51.100.7'],
    ['::ffff:198.51.100.7', '198.51.100.7'],
    ['2001:db8:1:2:3:4:5:6', '2001:db8:1:2::/64'],
    ['2001:db8:1:2::9', '2001:db8:1:2::/64'],
    ['2001:0db8:0001:0002:ffff::1', '2001:db8:1:2::/64'],
    ['not-an-address', 'unknown'],
    ['', 'unknown'],
  ])('when the address is %p, then it counts as %p', (address, group) => {
    expect(addressGroup(address)).toBe(group);
  });
});

const policy: SlowDownPolicy = { free: 3, baseMs: 1000, maxMs: 4000, idleMs: 60_000 };

describe('waitAfter', () => {
  it('when attempts pass the free ones, then the wait doubles up to the cap', () => {
    expect([1, 2, 3, 4, 5, 6, 50].map((n) => waitAfter(n, policy))).toEqual([0, 0, 1000, 2000, 4000, 4000, 4000]);
  });
});

/** The same sequence against both stores: the memory fallback must keep the rules Redis keeps. */
async function sequence(store: AttemptStore, key: string, advance: (ms: number) => Promise<void>) {
  const seen: string[] = [];
  const take = async () => {
    const result = await store.take(key, policy);
    seen.push(result.allowed ? 'ok' : `wait ${Math.ceil(result.retryAfterMs / 1000)}`);
  };
  await take();
  await take();
  await take(); // the third sets a 1 s wait
  await take();
  await store.giveBack(key, policy); // a success: back under the free count, the wait is lifted
  await take();
  await take(); // refused: the wait set by the attempt above
  await advance(1100);
  await take();
  await store.reset(key);
  await take();
  return seen;
}

describe('attempt stores', () => {
  const expected = ['ok', 'ok', 'ok', 'wait 1', 'ok', 'wait 1', 'ok', 'ok'];

  it('when counted in memory, then attempts are taken, given back and waited for as the policy says', async () => {
    let now = 1_000_000;
    const store = new MemoryAttemptStore(100, () => now);
    expect(await sequence(store, 'k', async (ms) => void (now += ms))).toEqual(expected);
  });

  it('when counted in Redis, then the same sequence gives the same answers', async () => {
    const prefix = `test-${randomUUID()}:attempts`;
    try {
      await withRedis(async (redis) => {
        const store = new RedisAttemptStore(redis);
        expect(await sequence(store, `${prefix}:k`, (ms) => new Promise((r) => setTimeout(r, ms)))).toEqual(expected);
      });
    } finally {
      await deleteKeys(`${prefix}:*`);
    }
  });

  it('when 50 takes race in Redis, then exactly the free ones pass', async () => {
    const key = `test-${randomUUID()}:attempts:race`;
    try {
      const results = await withRedis((redis) => {
        const store = new RedisAttemptStore(redis);
        return Promise.all(Array.from({ length: 50 }, () => store.take(key, policy)));
      });
      expect(results.filter((r) => r.allowed)).toHaveLength(3);
    } finally {
      await deleteKeys(key);
    }
  });

  it('when the memory store holds more keys than its bound, then the oldest go first', async () => {
    const store = new MemoryAttemptStore(2);
    for (const key of ['a', 'b', 'c']) for (let i = 0; i < 3; i += 1) await store.take(key, policy);
    expect((await store.take('a', policy)).allowed).toBe(true);
    expect((await store.take('c', policy)).allowed).toBe(false);
  });
});

import { z } from 'zod';
import { ConfigError, env, loadConfig, parseRedisUrl, redactRedisUrl } from '../src';

describe('Redis URLs', () => {
  test('when one server is named, then ioredis gets the URL as it is', () => {
    expect(parseRedisUrl('rediss://:secret@cache.internal:6380/2')).toEqual({ mode: 'standalone', url: 'rediss://:secret@cache.internal:6380/2' });
  });

  test('when sentinels are named, then their hosts, the master name, the database and the credentials are read', () => {
    expect(parseRedisUrl('rediss+sentinel://app:p%40ss@s1:26379,s2,[::1]:26380/mymaster?db=3&sentinelPassword=sp&minReplicaAcks=2')).toEqual({
      mode: 'sentinel',
      sentinels: [
        { host: 's1', port: 26379 },
        { host: 's2', port: 26379 },
        { host: '::1', port: 26380 },
      ],
      name: 'mymaster',
      db: 3,
      username: 'app',
      password: 'p@ss',
      sentinelPassword: 'sp',
      minReplicaAcks: 2,
      tls: true,
    });
    expect(parseRedisUrl('redis+sentinel://s1:26379/mymaster')).toMatchObject({ db: 0, minReplicaAcks: 1, tls: false });
  });

  test('when cluster nodes are named, then they are the seed nodes', () => {
    expect(parseRedisUrl('redis+cluster://:pw@n1:7000,n2:7001')).toEqual({
      mode: 'cluster',
      nodes: [
        { host: 'n1', port: 7000 },
        { host: 'n2', port: 7001 },
      ],
      password: 'pw',
      tls: false,
    });
  });

  test.each([
    ['http://127.0.0.1:6379', /must be redis:\/\//],
    ['redis://a:1,b:2', /several hosts/],
    ['redis+sentinel://s1:26379', /master name/],
    ['redis+sentinel://s1:26379/mymaster?db=16', /db must be/],
    ['redis+sentinel://s1:26379/mymaster?timeout=5', /unknown parameter timeout/],
    ['redis+cluster://n1:7000/1', /no database/],
    ['redis+cluster://n1:99999', /not host:port/],
  ])('when the URL is %s, then it is refused with a reason', (url, reason) => {
    expect(() => parseRedisUrl(url)).toThrow(reason);
  });

  test('when a URL with passwords is refused or logged, then no password shows', () => {
    let message = '';
    try {
      loadConfig({ REDIS_URL: env.redisUrl(), OTHER: z.string().optional() }, { REDIS_URL: 'redis+sentinel://u:hunter2@s1:26379' });
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      message = err.message;
    }
    expect(message).toMatch(/REDIS_URL is invalid: redis\+sentinel:\/\/ needs the master name/);
    expect(message).not.toContain('hunter2');
    expect(redactRedisUrl('redis+sentinel://u:hunter2@s1:26379/m?sentinelPassword=swordfish&db=1')).toBe(
      'redis+sentinel://u:[redacted]@s1:26379/m?sentinelPassword=[redacted]&db=1',
    );
  });
});

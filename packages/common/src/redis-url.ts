// Only the URL: no ioredis here. Configuration validation (config.ts) reads Redis URLs, and tracing loads
// config.ts before any client library, which its instrumentations can only patch if they load after.

/** Where the Redis data is: one server, a master found through Sentinel, or a Redis Cluster. */
export type RedisTarget =
  | { mode: 'standalone'; url: string }
  | {
      mode: 'sentinel';
      sentinels: Array<{ host: string; port: number }>;
      name: string;
      db: number;
      username?: string;
      password?: string;
      sentinelPassword?: string;
      /** Replicas that must hold a write before `confirmWrites` lets it count (WAIT); 1 unless the URL says. */
      minReplicaAcks: number;
      tls: boolean;
    }
  | { mode: 'cluster'; nodes: Array<{ host: string; port: number }>; username?: string; password?: string; tls: boolean };

export type RedisMode = RedisTarget['mode'];

const REDIS_URL_SHAPE = /^(rediss?)(?:\+(sentinel|cluster))?:\/\/(?:([^@/?#]*)@)?([^/?#]+)(\/[^?#]*)?(?:\?([^#]*))?$/;

function hostList(text: string, defaultPort: number): Array<{ host: string; port: number }> {
  return text.split(',').map((entry) => {
    const match = /^(\[[0-9a-fA-F:]+\]|[^:\s]+)(?::(\d{1,5}))?$/.exec(entry);
    const port = Number(match?.[2] ?? defaultPort);
    if (!match || port < 1 || port > 65535) throw new Error(`"${entry}" is not host:port`);
    return { host: match[1]!.replace(/^\[|\]$/g, ''), port };
  });
}

/**
 * Reads a Redis URL: `redis[s]://[user:pass@]host:port[/db]` for one server,
 * `redis[s]+sentinel://[user:pass@]host:port,host:port/<master name>[?db=N&sentinelPassword=…]`
 * for a master found through Sentinel, `redis[s]+cluster://[user:pass@]host:port,host:port` for a
 * Redis Cluster (its seed nodes). The `s` is TLS to every node. Throws with a message that never
 * repeats the URL (it may hold a password).
 */
export function parseRedisUrl(url: string): RedisTarget {
  const match = REDIS_URL_SHAPE.exec(url);
  if (!match)
    throw new Error('must be redis://, rediss://, redis+sentinel://, rediss+sentinel://, redis+cluster:// or rediss+cluster:// host:port …');
  const [, scheme, mode, userinfo, hosts, path = '', query = ''] = match;
  const tls = scheme === 'rediss';
  if (!mode) {
    // One server: ioredis reads the URL itself; a WHATWG parse checks it is one host.
    if (hosts!.includes(',')) throw new Error('lists several hosts: name the mode, redis+sentinel:// or redis+cluster://');
    new URL(url);
    return { mode: 'standalone', url };
  }
  const [username, password] = (userinfo ?? '').split(/:(.*)/s).map((part) => (part ? decodeURIComponent(part) : undefined));
  const credentials = { ...(username ? { username } : {}), ...(password ? { password } : {}) };
  const params = new URLSearchParams(query);
  if (mode === 'cluster') {
    if (path !== '' && path !== '/') throw new Error('a Redis Cluster has no database number or name: no path after the hosts');
    if ([...params.keys()].length > 0) throw new Error('redis+cluster:// takes no query parameters');
    return { mode: 'cluster', nodes: hostList(hosts!, 6379), ...credentials, tls };
  }
  const name = decodeURIComponent(path.replace(/^\//, ''));
  if (!/^[A-Za-z0-9._-]{1,100}$/.test(name))
    throw new Error('redis+sentinel:// needs the master name as its path: redis+sentinel://h1:26379,h2:26379/mymaster');
  for (const key of params.keys()) {
    if (!['db', 'sentinelPassword', 'minReplicaAcks'].includes(key))
      throw new Error(`unknown parameter ${key} (db, sentinelPassword, minReplicaAcks)`);
  }
  const minReplicaAcks = Number(params.get('minReplicaAcks') ?? 1);
  if (!Number.isInteger(minReplicaAcks) || minReplicaAcks < 0 || minReplicaAcks > 5) throw new Error('minReplicaAcks must be 0 to 5');
  const db = Number(params.get('db') ?? 0);
  if (!Number.isInteger(db) || db < 0 || db > 15) throw new Error('db must be a database number, 0 to 15');
  const sentinelPassword = params.get('sentinelPassword') ?? undefined;
  return {
    mode: 'sentinel',
    sentinels: hostList(hosts!, 26379),
    name,
    db,
    ...credentials,
    ...(sentinelPassword ? { sentinelPassword } : {}),
    minReplicaAcks,
    tls,
  };
}

/** A Redis URL with its passwords replaced, for logs and error messages. */
export function redactRedisUrl(url: string): string {
  return url.replace(/^([a-z+]+:\/\/[^:@/]*:)[^@/]*@/, '$1[redacted]@').replace(/([?&]sentinelPassword=)[^&#]*/, '$1[redacted]');
}

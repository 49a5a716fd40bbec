/** A dependency the service needs to do its work, checked by `GET /ready`. */
export interface DependencyCheck {
  name: string;
  check: () => Promise<void>;
}

export interface ReadinessReport {
  ready: boolean;
  checks: Record<string, 'up' | 'down'>;
  down: string[];
}

/** Rejects when `promise` has not settled within `ms`, so a dead dependency cannot hang a caller. */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/** Runs every check in parallel with a bound each. */
export async function checkReadiness(checks: DependencyCheck[], timeoutMs = 1500): Promise<ReadinessReport> {
  const results = await Promise.all(
    checks.map(async ({ name, check }) => {
      try {
        await withTimeout(check(), timeoutMs, name);
        return [name, 'up'] as const;
      } catch {
        return [name, 'down'] as const;
      }
    }),
  );
  const report: ReadinessReport = { ready: true, checks: {}, down: [] };
  for (const [name, state] of results) {
    report.checks[name] = state;
    if (state === 'down') {
      report.ready = false;
      report.down.push(name);
    }
  }
  return report;
}

interface PingableRedis {
  status: string;
  ping(): Promise<unknown>;
}
interface MongoLike {
  readyState: number;
  db?: { admin(): { ping(): Promise<unknown> } } | undefined;
}
interface AmqpLike {
  isConnected(): boolean;
}

/** Ready-made checks for the servers this project uses. */
export const dependency = {
  redis: (client: PingableRedis, name = 'redis'): DependencyCheck => ({
    name,
    check: async () => {
      if (client.status !== 'ready') throw new Error(`redis ${client.status}`);
      await client.ping();
    },
  }),
  mongodb: (connection: MongoLike): DependencyCheck => ({
    name: 'mongodb',
    check: async () => {
      if (connection.readyState !== 1 || !connection.db) throw new Error('mongodb not connected');
      await connection.db.admin().ping();
    },
  }),
  rabbitmq: (bus: AmqpLike): DependencyCheck => ({
    name: 'rabbitmq',
    check: async () => {
      if (!bus.isConnected()) throw new Error('rabbitmq not connected');
    },
  }),
};

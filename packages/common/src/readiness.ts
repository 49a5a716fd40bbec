/**
 * Whether an instance can serve without a dependency. `required`: it cannot, and `GET /ready` fails
 * while it is down (the orchestrator sends its traffic elsewhere). `degradable`: the code keeps
 * serving without it (a cache that fails open, events buffered until the broker is back), so its
 * outage shows in `/ready`'s body, a metric and a log line, but never takes the instance out of service
 * (every replica shares the same store: failing readiness would take them all out at once).
 */
export type DependencyNeed = 'required' | 'degradable';

/** A dependency the service uses, checked by `GET /ready`. */
export interface DependencyCheck {
  name: string;
  need: DependencyNeed;
  check: () => Promise<void>;
}

export interface ReadinessReport {
  /** False only when a required dependency is down. */
  ready: boolean;
  checks: Record<string, 'up' | 'down'>;
  /** Required dependencies that are down. */
  down: string[];
  /** Degradable dependencies that are down: the instance serves without them. */
  degraded: string[];
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
    checks.map(async ({ name, need, check }) => {
      try {
        await withTimeout(check(), timeoutMs, name);
        return [name, need, 'up'] as const;
      } catch {
        return [name, need, 'down'] as const;
      }
    }),
  );
  const report: ReadinessReport = { ready: true, checks: {}, down: [], degraded: [] };
  for (const [name, need, state] of results) {
    report.checks[name] = state;
    if (state === 'up') continue;
    if (need === 'required') {
      report.ready = false;
      report.down.push(name);
    } else {
      report.degraded.push(name);
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

/** Ready-made checks for the servers this project uses; each service says what it needs of them. */
export const dependency = {
  redis: (client: PingableRedis, need: DependencyNeed, name = 'redis'): DependencyCheck => ({
    name,
    need,
    check: async () => {
      if (client.status !== 'ready') throw new Error(`redis ${client.status}`);
      await client.ping();
    },
  }),
  mongodb: (connection: MongoLike, need: DependencyNeed): DependencyCheck => ({
    name: 'mongodb',
    need,
    check: async () => {
      if (connection.readyState !== 1 || !connection.db) throw new Error('mongodb not connected');
      await connection.db.admin().ping();
    },
  }),
  rabbitmq: (bus: AmqpLike, need: DependencyNeed): DependencyCheck => ({
    name: 'rabbitmq',
    need,
    check: async () => {
      if (!bus.isConnected()) throw new Error('rabbitmq not connected');
    },
  }),
};

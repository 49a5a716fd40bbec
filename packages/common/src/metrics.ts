import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** One Prometheus registry per service, with process metrics and the HTTP histogram every service shares. */
export function createMetrics(service: string) {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
  const httpDuration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request duration by method, route and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  // Set by every /ready and /metrics answer: an alert on a degradable dependency that /ready does not fail on.
  const dependencyUp = new Gauge({
    name: 'dependency_up',
    help: 'Whether a dependency answered its last check (1) or not (0); need is required or degradable',
    labelNames: ['dependency', 'need'] as const,
    registers: [registry],
  });
  // One histogram for every store a process talks to, so one panel and one alert cover them all.
  const storeDuration = new Histogram({
    name: 'store_request_duration_seconds',
    help: 'Round trip of one command to a store (MongoDB, Redis) or of one publish to its broker confirm (RabbitMQ)',
    labelNames: ['store', 'client', 'operation', 'outcome'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  return {
    registry,
    httpDuration,
    dependencyUp,
    storeDuration,
    counter<L extends string>(name: string, help: string, labelNames: readonly L[] = []) {
      return new Counter<L>({ name, help, labelNames, registers: [registry] });
    },
    /** A gauge whose value `collect` sets at each scrape. */
    gauge<L extends string>(name: string, help: string, labelNames: readonly L[], collect: (gauge: Gauge<L>) => Promise<void>) {
      return new Gauge<L>({
        name,
        help,
        labelNames,
        registers: [registry],
        async collect() {
          await collect(this);
        },
      });
    },
    histogram<L extends string>(name: string, help: string, labelNames: readonly L[] = [], buckets?: number[]) {
      return new Histogram<L>({ name, help, labelNames, registers: [registry], ...(buckets ? { buckets } : {}) });
    },
  };
}

export type Metrics = ReturnType<typeof createMetrics>;

/**
 * A label value from a set that is open in principle (driver command names) but small in practice:
 * past `max` distinct values everything else is `other`, so a surprise cannot grow the series.
 */
export function boundedLabel(max: number): (value: string) => string {
  const seen = new Set<string>();
  return (value) => {
    if (seen.has(value)) return value;
    if (seen.size >= max) return 'other';
    seen.add(value);
    return value;
  };
}

import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { which } from './debian';
import { DATA_DIR, ROOT, log, logFile } from './paths';
import { isListening, waitForPort } from './ports';
import { stopChild } from './processes';

const JAEGER_SOURCE = join(ROOT, 'infra', 'jaeger');

/**
 * Builds Jaeger's all-in-one binary (v1.75.0, pinned by infra/jaeger/go.mod) from the Go module proxy
 * into `.data/bin`; rebuilt only when go.mod or go.sum change. Its own go.mod has `replace` lines,
 * so `go install` cannot build it: a module of ours requires it as a tool instead.
 */
export function ensureJaegerBinary(): string {
  const binary = join(DATA_DIR, 'bin', 'jaeger');
  const newest = Math.max(...['go.mod', 'go.sum'].map((f) => statSync(join(JAEGER_SOURCE, f)).mtimeMs));
  if (existsSync(binary) && statSync(binary).mtimeMs >= newest) return binary;
  const go = which('go');
  if (!go) throw new Error('Go is needed to build Jaeger (or set OTEL_EXPORTER_OTLP_ENDPOINT to a trace collector of your own)');
  log('building Jaeger v1.75.0 from the Go module proxy (first run only; several minutes)');
  mkdirSync(join(DATA_DIR, 'bin'), { recursive: true });
  // Built under another name and then moved: a build cut short never leaves a binary that looks current.
  const partial = `${binary}.partial`;
  execFileSync(go, ['build', '-o', partial, 'github.com/jaegertracing/jaeger/cmd/jaeger'], {
    cwd: JAEGER_SOURCE,
    stdio: 'inherit',
    env: { ...process.env, CGO_ENABLED: '0' },
  });
  renameSync(partial, binary);
  return binary;
}

export interface JaegerPorts {
  /** The UI and its HTTP API (`/api/traces`). */
  ui: number;
  /** OTLP over HTTP, where the processes send spans. */
  otlpHttp: number;
  /** The query service's gRPC API. */
  queryGrpc: number;
  /** Jaeger's own health check (`/status`). */
  health: number;
}

export const DEFAULT_JAEGER_PORTS: JaegerPorts = { ui: 16686, otlpHttp: 4318, queryGrpc: 16685, health: 13133 };

export interface JaegerServer {
  /** OTEL_EXPORTER_OTLP_ENDPOINT for the processes. */
  otlpUrl: string;
  /** The UI; its API is under `/api`. */
  uiUrl: string;
  started: boolean;
  stop(): Promise<void>;
}

/**
 * Jaeger's configuration: OTLP in, traces kept in memory, the query API and UI out, and every
 * listener on 127.0.0.1 (its defaults put the query ports on every address). Its own metrics are off.
 */
export function jaegerConfig(ports: JaegerPorts, maxTraces = 100_000): string {
  return `service:
  extensions: [jaeger_storage, jaeger_query, healthcheckv2]
  pipelines:
    traces:
      receivers: [otlp]
      processors: [batch]
      exporters: [jaeger_storage_exporter]
  telemetry:
    resource:
      service.name: jaeger
    metrics:
      level: none
    logs:
      level: warn
extensions:
  jaeger_query:
    storage:
      traces: memstore
    http:
      endpoint: 127.0.0.1:${ports.ui}
    grpc:
      endpoint: 127.0.0.1:${ports.queryGrpc}
  jaeger_storage:
    backends:
      memstore:
        memory:
          max_traces: ${maxTraces}
  healthcheckv2:
    use_v2: true
    http:
      endpoint: 127.0.0.1:${ports.health}
receivers:
  otlp:
    protocols:
      http:
        endpoint: 127.0.0.1:${ports.otlpHttp}
processors:
  batch:
exporters:
  jaeger_storage_exporter:
    trace_storage: memstore
`;
}

/** Starts Jaeger (built on first use) on `ports`, or reuses one whose UI port already answers. */
export async function startJaeger({
  ports = DEFAULT_JAEGER_PORTS,
  name = `jaeger-${ports.ui}`,
}: { ports?: JaegerPorts; name?: string } = {}): Promise<JaegerServer> {
  const otlpUrl = `http://127.0.0.1:${ports.otlpHttp}`;
  const uiUrl = `http://127.0.0.1:${ports.ui}`;
  if (await isListening(ports.ui)) {
    log(`jaeger: reusing the one already listening on port ${ports.ui}`);
    return { otlpUrl, uiUrl, started: false, stop: async () => undefined };
  }
  const binary = ensureJaegerBinary();
  const dir = join(DATA_DIR, name);
  mkdirSync(dir, { recursive: true });
  const config = join(dir, 'config.yaml');
  writeFileSync(config, jaegerConfig(ports));
  const out = logFile(name);
  const child = spawn(binary, ['--config', config], { detached: true, stdio: ['ignore', out, out] });
  await waitForPort(ports.ui, 'jaeger', 60_000, child);
  await waitForPort(ports.otlpHttp, 'jaeger', 30_000, child);
  log(`jaeger: started, UI on port ${ports.ui}, OTLP/HTTP on port ${ports.otlpHttp}`);
  return {
    otlpUrl,
    uiUrl,
    started: true,
    stop: stopChild(child),
  };
}

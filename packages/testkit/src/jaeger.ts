import { startJaeger, type JaegerServer } from '@app/infra';
import { freePortRun } from './e2e-stack';
import { waitFor } from './wait';

/** One span of a trace as Jaeger's HTTP API gives it, with its process's service name. */
export interface TraceSpan {
  spanId: string;
  /** The span it is a child of (CHILD_OF), if any. */
  parentId?: string;
  name: string;
  service: string;
  /** Microseconds since the epoch. */
  start: number;
  duration: number;
  tags: Record<string, unknown>;
}

interface JaegerTrace {
  traceID: string;
  spans: Array<{
    spanID: string;
    operationName: string;
    references?: Array<{ refType: string; spanID: string }>;
    startTime: number;
    duration: number;
    tags: Array<{ key: string; value: unknown }>;
    processID: string;
  }>;
  processes: Record<string, { serviceName: string }>;
}

/**
 * A Jaeger of the test file's own, on free ports above 20000 (never its default ports, which a
 * Jaeger of `npm start` may hold), built on first use like FerretDB.
 */
export async function startTestJaeger(): Promise<
  JaegerServer & { spansOf(traceId: string): Promise<TraceSpan[]>; traceOf(requestId: string): Promise<string> }
> {
  const base = await freePortRun();
  const jaeger = await startJaeger({ ports: { ui: base, otlpHttp: base + 1, queryGrpc: base + 2, health: base + 3 }, name: `jaeger-test-${base}` });
  const api = async (path: string): Promise<{ data: JaegerTrace[] }> => {
    const response = await fetch(`${jaeger.uiUrl}/api${path}`);
    if (response.status === 404) return { data: [] };
    if (!response.ok) throw new Error(`jaeger ${path}: ${response.status} ${await response.text()}`);
    return (await response.json()) as { data: JaegerTrace[] };
  };
  const spansOf = async (traceId: string): Promise<TraceSpan[]> => {
    const [trace] = (await api(`/traces/${traceId}`)).data;
    if (!trace) return [];
    return trace.spans.map((span) => {
      const parent = span.references?.find((ref) => ref.refType === 'CHILD_OF');
      return {
        spanId: span.spanID,
        ...(parent ? { parentId: parent.spanID } : {}),
        name: span.operationName,
        service: trace.processes[span.processID]?.serviceName ?? '?',
        start: span.startTime,
        duration: span.duration,
        tags: Object.fromEntries(span.tags.map((tag) => [tag.key, tag.value])),
      };
    });
  };
  /** The trace of the gateway's request with this request id (the `request.id` tag of its server span). */
  const traceOf = (requestId: string) =>
    waitFor(
      `a gateway trace tagged request.id=${requestId}`,
      async () => {
        const tags = encodeURIComponent(JSON.stringify({ 'request.id': requestId }));
        const { data } = await api(`/traces?service=gateway&tags=${tags}&lookback=1h&limit=5`);
        return data[0]?.traceID;
      },
      { timeoutMs: 30_000, intervalMs: 250 },
    );
  return { ...jaeger, spansOf, traceOf };
}

/** Whether `span` is `ancestor` or below it in the trace. */
export function descendsFrom(spans: readonly TraceSpan[], span: TraceSpan, ancestor: TraceSpan): boolean {
  const byId = new Map(spans.map((s) => [s.spanId, s]));
  for (let current: TraceSpan | undefined = span; current; current = current.parentId ? byId.get(current.parentId) : undefined) {
    if (current.spanId === ancestor.spanId) return true;
  }
  return false;
}

/** What a trace looked like, for a failed assertion's message. */
export function describeTrace(spans: readonly TraceSpan[]): string {
  const children = new Map<string | undefined, TraceSpan[]>();
  const ids = new Set(spans.map((s) => s.spanId));
  for (const span of [...spans].sort((a, b) => a.start - b.start)) {
    const parent = span.parentId && ids.has(span.parentId) ? span.parentId : undefined;
    children.set(parent, [...(children.get(parent) ?? []), span]);
  }
  const lines: string[] = [];
  const walk = (parent: string | undefined, depth: number) => {
    for (const span of children.get(parent) ?? []) {
      lines.push(`${'  '.repeat(depth)}${span.service}: ${span.name}${span.tags['span.kind'] ? ` [${span.tags['span.kind'] as string}]` : ''}`);
      walk(span.spanId, depth + 1);
    }
  };
  walk(undefined, 0);
  return lines.join('\n');
}

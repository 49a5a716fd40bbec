import type { IncomingMessage, Server } from 'node:http';
import { context, propagation, ROOT_CONTEXT, trace, TraceFlags, type Attributes, type Context, type Link, type SpanKind } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { isWrapped, registerInstrumentations } from '@opentelemetry/instrumentation';
import { AmqplibInstrumentation } from '@opentelemetry/instrumentation-amqplib';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { IORedisInstrumentation } from '@opentelemetry/instrumentation-ioredis';
import { MongoDBInstrumentation } from '@opentelemetry/instrumentation-mongodb';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BatchSpanProcessor,
  ParentBasedSampler,
  RandomIdGenerator,
  SamplingDecision,
  TraceIdRatioBasedSampler,
  type Sampler,
  type SamplingResult,
} from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import type { TracingConfig } from './tracing';

// Polled by probes and scrapers every few seconds: a trace each would bury the requests.
const UNTRACED_PATHS = new Set(['/health', '/ready', '/metrics']);

// A BullMQ worker's own housekeeping (polling for the next job, stalled-job checks) would start a
// trace every few seconds per worker, burying the jobs' traces; a job's processing is kept.
const HOUSEKEEPING = /^(getNextJob|moveStalledJobsToWait|startStalledCheckTimer|rateLimit|pause|resume|close)\b/;

/**
 * The process's sampler: `inner` (parent-based ratio) decides, except that the housekeeping traces
 * are dropped at their root, and that the root span of a request the gate below already chose to
 * keep is kept (the ratio was applied once, by the gate; applying it again would keep p² of them).
 */
class ProcessSampler implements Sampler {
  /** Set by the gate just before it hands a new trace's request to the http instrumentation. */
  keepNextRoot = false;

  constructor(private readonly inner: Sampler) {}

  shouldSample(context: Context, traceId: string, name: string, kind: SpanKind, attributes: Attributes, links: Link[]): SamplingResult {
    if (!trace.getSpanContext(context)) {
      if (this.keepNextRoot) {
        this.keepNextRoot = false;
        return { decision: SamplingDecision.RECORD_AND_SAMPLED };
      }
      if (HOUSEKEEPING.test(name)) return { decision: SamplingDecision.NOT_RECORD };
    }
    return this.inner.shouldSample(context, traceId, name, kind, attributes, links);
  }

  toString(): string {
    return `ProcessSampler{${this.inner.toString()}}`;
  }
}

type Emit = (this: Server, event: string | symbol, ...args: unknown[]) => boolean;

/**
 * Takes the sampling decision of each request before the http instrumentation sees it, and lets
 * only the kept ones (1 % by default) through it. For the others it does what the instrumentation
 * would leave behind, without its cost (attributes read from the request and the answer, a span
 * object, every listener of the request and the answer wrapped): the trace's ids in the context,
 * not sampled, so that log lines name the trace and calls out carry it on with its decision.
 */
function gateRequests(server: Server, sampler: ProcessSampler, ratio: number): void {
  // The prototype's emit, which the instrumentation patched (read through the instance: no `this` lost).
  const instrumented: unknown = Reflect.get(server, 'emit');
  // http loaded before the instrumentation could patch it: every request goes through as it is.
  if (!isWrapped(instrumented)) return;
  const traced = instrumented as unknown as Emit;
  const plain = instrumented.__original as Emit;
  const ids = new RandomIdGenerator();
  server.emit = function gate(this: Server, event: string | symbol, ...args: unknown[]): boolean {
    if (event !== 'request') return plain.call(this, event, ...args);
    const req = args[0] as IncomingMessage;
    if (UNTRACED_PATHS.has(pathOf(req.url))) return plain.call(this, event, ...args);
    const parent = propagation.extract(ROOT_CONTEXT, req.headers);
    const caller = trace.getSpanContext(parent);
    if (caller ? (caller.traceFlags & TraceFlags.SAMPLED) !== 0 : Math.random() < ratio) {
      sampler.keepNextRoot = !caller;
      try {
        return traced.call(this, event, ...args);
      } finally {
        sampler.keepNextRoot = false;
      }
    }
    const unsampled = trace.setSpanContext(parent, {
      traceId: caller?.traceId ?? ids.generateTraceId(),
      spanId: ids.generateSpanId(),
      traceFlags: TraceFlags.NONE,
    });
    return context.with(unsampled, () => {
      // A body's chunks arrive from the socket, outside the request's context: its listeners (a
      // body parser calling the handler) are bound to it. The answer's events keep it by themselves.
      if (req.headers['content-length'] !== undefined || req.headers['transfer-encoding'] !== undefined) context.bind(unsampled, req);
      return plain.call(this, event, ...args);
    });
  } as Server['emit'];
}

const pathOf = (url: string | undefined) => (url ?? '').split('?')[0]!;

type CommandTracer = (original: (...args: unknown[]) => unknown, ...rest: unknown[]) => (...args: unknown[]) => unknown;

/**
 * Makes the ioredis instrumentation trace a command only inside a kept trace. Its own check
 * (`requireParentSpan`) asks for any span, and the unsampled requests have one (not recording):
 * it would build a span, its attributes and two wrapped callbacks per command for nothing.
 */
function onlyInKeptTraces(instrumentation: IORedisInstrumentation): IORedisInstrumentation {
  const target = instrumentation as unknown as { _traceSendCommand: CommandTracer };
  const traceCommand = target._traceSendCommand.bind(instrumentation);
  target._traceSendCommand = (original, ...rest) => {
    const traced = traceCommand(original, ...rest);
    return function sendCommand(this: unknown, ...args: unknown[]) {
      return trace.getSpan(context.active())?.isRecording() ? traced.apply(this, args) : original.apply(this, args);
    };
  };
  return instrumentation;
}

/**
 * The SDK set up by hand with the four instrumentations the processes need (http, ioredis, mongodb,
 * amqplib) rather than auto-instrumentations-node, which loads some forty. Only
 * tracing.ts loads this file, and only when an OTLP endpoint is configured.
 */
export function startTracing(service: string, config: TracingConfig) {
  const endpoint = config.OTEL_EXPORTER_OTLP_ENDPOINT!.replace(/\/+$/, '');
  const ratio = config.OTEL_TRACES_SAMPLER_ARG;
  const sampler = new ProcessSampler(new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(ratio) }));
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ 'service.name': service }),
    sampler,
    spanProcessors: [
      new BatchSpanProcessor(new OTLPTraceExporter({ url: `${endpoint}/v1/traces` }), {
        scheduledDelayMillis: config.OTEL_BSP_SCHEDULE_DELAY,
      }),
    ],
  });
  // W3C trace context only: the traceparent header, and the same on RabbitMQ messages and BullMQ jobs.
  provider.register({ propagator: new W3CTraceContextPropagator() });
  registerInstrumentations({
    tracerProvider: provider,
    instrumentations: [
      // For servers without the gate (gateRequests); the gate itself never lets these paths through.
      new HttpInstrumentation({ ignoreIncomingRequestHook: (req) => UNTRACED_PATHS.has(pathOf(req.url)) }),
      // The command's name only: its arguments hold user ids and token ids, and writing them out costs every command.
      onlyInKeptTraces(new IORedisInstrumentation({ dbStatementSerializer: (command) => command })),
      new MongoDBInstrumentation(),
      new AmqplibInstrumentation(),
    ],
  });
  return {
    flush: () => provider.forceFlush(),
    gate: (server: Server) => gateRequests(server, sampler, ratio),
  };
}

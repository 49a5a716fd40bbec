import { trace, type Attributes, type Context, type Link, type SpanKind } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { AmqplibInstrumentation } from '@opentelemetry/instrumentation-amqplib';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { IORedisInstrumentation } from '@opentelemetry/instrumentation-ioredis';
import { MongoDBInstrumentation } from '@opentelemetry/instrumentation-mongodb';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BatchSpanProcessor,
  ParentBasedSampler,
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

/** Drops the housekeeping traces at their root; everything else as `inner` decides. */
class WithoutHousekeeping implements Sampler {
  constructor(private readonly inner: Sampler) {}

  shouldSample(context: Context, traceId: string, name: string, kind: SpanKind, attributes: Attributes, links: Link[]): SamplingResult {
    if (!trace.getSpanContext(context) && HOUSEKEEPING.test(name)) return { decision: SamplingDecision.NOT_RECORD };
    return this.inner.shouldSample(context, traceId, name, kind, attributes, links);
  }

  toString(): string {
    return `WithoutHousekeeping{${this.inner.toString()}}`;
  }
}

/**
 * The SDK set up by hand with the four instrumentations the processes need (http, ioredis, mongodb,
 * amqplib) rather than auto-instrumentations-node, which loads some forty. Only
 * tracing.ts loads this file, and only when an OTLP endpoint is configured.
 */
export function startTracing(service: string, config: TracingConfig) {
  const endpoint = config.OTEL_EXPORTER_OTLP_ENDPOINT!.replace(/\/+$/, '');
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ 'service.name': service }),
    sampler: new WithoutHousekeeping(new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(config.OTEL_TRACES_SAMPLER_ARG) })),
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
      new HttpInstrumentation({
        ignoreIncomingRequestHook: (req) => UNTRACED_PATHS.has((req.url ?? '').split('?')[0]!),
      }),
      // The command's name only: its arguments hold user ids and token ids, and writing them out costs every command.
      new IORedisInstrumentation({ dbStatementSerializer: (command) => command }),
      new MongoDBInstrumentation(),
      new AmqplibInstrumentation(),
    ],
  });
  return {
    flush: () => provider.forceFlush(),
  };
}

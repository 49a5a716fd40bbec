import type { IncomingMessage, Server } from 'node:http';
import { context, propagation, ROOT_CONTEXT } from '@opentelemetry/api';
import { z } from 'zod';
import { tracingShape } from './config';

export type TracingConfig = z.infer<z.ZodObject<ReturnType<typeof tracingShape>>>;

interface Tracing {
  flush(): Promise<void>;
  gate(server: Server): void;
}

let tracing: Tracing | undefined;

/**
 * Starts tracing for this process when it is run as a program (`entry` is `require.main`) and an
 * OTLP endpoint is configured. Call it before anything loads express, ioredis, mongodb or amqplib:
 * the instrumentations patch those modules as they are required. With no endpoint nothing of the
 * SDK is loaded. Invalid values start nothing here; the service's own config reports them.
 */
export function traceProcess(service: string, entry: NodeJS.Module, source: NodeJS.ProcessEnv = process.env): void {
  if (require.main !== entry || tracing) return;
  const parsed = z.object(tracingShape()).safeParse(source);
  if (!parsed.success || !parsed.data.OTEL_EXPORTER_OTLP_ENDPOINT) return;
  // Loaded only when on: off, the process pays nothing for the SDK and its instrumentations.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const sdk = require('./tracing-sdk') as typeof import('./tracing-sdk');
  tracing = sdk.startTracing(service, parsed.data);
}

/** Whether this process exports spans. */
export function tracingEnabled(): boolean {
  return tracing !== undefined;
}

/**
 * Puts `server`'s requests through the sampling decision before the http instrumentation: only the
 * requests whose trace is kept pay for it; the others carry their trace's ids at almost no cost.
 * Nothing when tracing is off. `listen` calls it for every server the processes start.
 */
export function gateTracedRequests(server: Server): void {
  tracing?.gate(server);
}

/** Sends the spans still waiting in the batch (on stop, so the last requests' spans are not lost). */
export async function flushTracing(): Promise<void> {
  await tracing?.flush();
}

/** The current trace as a W3C traceparent, to store beside work done later (an outbox entry); undefined when untraced. */
export function currentTraceparent(): string | undefined {
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  return carrier.traceparent;
}

/** Runs `fn` in the trace a stored traceparent names (as a remote parent); as is without one. */
export function withTraceparent<T>(traceparent: string | undefined, fn: () => T): T {
  if (!traceparent) return fn();
  return context.with(propagation.extract(ROOT_CONTEXT, { traceparent }), fn);
}

/**
 * Makes `server` drop the W3C trace headers of every request before the http instrumentation reads
 * them, so that a client cannot join its requests to a trace of its choosing (or force them sampled):
 * each starts a trace of its own. Set on the server's own `emit` after `listen`, so that it runs
 * before the sampling gate (`gateTracedRequests`) and the emit the instrumentation patched into
 * http.Server's prototype.
 */
export function ignoreClientTraceContext(server: Server): void {
  const emit = server.emit.bind(server) as (event: string | symbol, ...args: unknown[]) => boolean;
  server.emit = ((event: string | symbol, ...args: unknown[]) => {
    if (event === 'request') {
      const headers = (args[0] as IncomingMessage).headers;
      delete headers.traceparent;
      delete headers.tracestate;
    }
    return emit(event, ...args);
  }) as Server['emit'];
}

import { trace } from '@opentelemetry/api';
import pino, { type Logger } from 'pino';
import { currentContext } from './request-context';

export type { Logger } from 'pino';

// Paths are pino's redaction syntax; headers arrive lower-cased from node's http parser.
const REDACT = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-identity-signature"]',
  'res.headers["set-cookie"]',
  'headers.authorization',
  'headers.cookie',
  'password',
  '*.password',
  'token',
  '*.token',
  'access_token',
  '*.access_token',
  'refresh_token',
  '*.refresh_token',
  'secret',
  '*.secret',
];

/**
 * The trace and span of the operation a line is written in, as the OpenTelemetry log data model
 * names them: a line leads to its trace, a trace to its lines. Tracing off, there is no span.
 */
function traceFields(): { trace_id: string; span_id: string } | undefined {
  const context = trace.getActiveSpan()?.spanContext();
  return context ? { trace_id: context.traceId, span_id: context.spanId } : undefined;
}

/** A pino logger whose every line carries the current request id, trace and span, and the service name. */
export function createLogger(service: string, level = 'info', destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service },
      redact: { paths: REDACT, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
      mixin() {
        const ctx = currentContext();
        const traced = traceFields();
        return ctx ? { requestId: ctx.requestId, ...(ctx.userId ? { userId: ctx.userId } : {}), ...traced } : (traced ?? {});
      },
    },
    destination,
  );
}

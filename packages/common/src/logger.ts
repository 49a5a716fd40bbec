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

/** A pino logger whose every line carries the current request id and the service name. */
export function createLogger(service: string, level = 'info', destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service },
      redact: { paths: REDACT, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
      mixin() {
        const ctx = currentContext();
        return ctx ? { requestId: ctx.requestId, ...(ctx.userId ? { userId: ctx.userId } : {}) } : {};
      },
    },
    destination,
  );
}

import type { Logger } from 'pino';
import { ConfigError } from './config';

export interface Running {
  stop(): Promise<void>;
  logger?: Logger;
  /** The longest graceful stop; past it the process exits 1. */
  shutdownMs?: number;
  /** Keeps serving while load balancers stop sending (DRAIN_DELAY_MS), before `stop`. */
  drain?(): Promise<void>;
}

/** Makes `stop` safe to call twice (a second signal, a test and a signal): the same promise is returned. */
export function once(stop: () => Promise<void>): () => Promise<void> {
  let promise: Promise<void> | undefined;
  return () => (promise ??= stop());
}

/**
 * The process wiring every entry point shares: start, then on SIGTERM/SIGINT drain (DRAIN_DELAY_MS)
 * and stop gracefully, the whole within the process's `shutdownMs` (SHUTDOWN_TIMEOUT_MS of its
 * validated configuration); a bad configuration exits 1 with its message.
 */
export async function runMain(name: string, start: () => Promise<Running>): Promise<void> {
  let running: Running | undefined;
  try {
    running = await start();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${name}: ${err.message}\n`);
    } else {
      process.stderr.write(`${name}: failed to start: ${err instanceof Error ? err.stack : String(err)}\n`);
    }
    process.exit(1);
  }
  const log = running.logger;
  const shutdownMs = running.shutdownMs ?? 10_000;
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) {
      log?.warn({ signal }, 'second signal, exiting now');
      process.exit(1);
    }
    stopping = true;
    log?.info({ signal }, 'shutting down');
    const timer = setTimeout(() => {
      log?.error({ shutdownMs }, 'shutdown took too long, exiting');
      process.exit(1);
    }, shutdownMs);
    timer.unref();
    try {
      await running.drain?.();
      await running.stop();
      log?.info('stopped');
      process.exit(0);
    } catch (err) {
      log?.error({ err }, 'error while stopping');
      process.exit(1);
    }
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('unhandledRejection', (reason) => log?.error({ err: reason }, 'unhandled rejection'));
}

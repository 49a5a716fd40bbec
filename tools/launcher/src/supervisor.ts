import type { LauncherConfig } from '@app/infra/launcher-config';
import { lastLines, type ManagedProcess, type ProcessExit, type ServiceName } from './stack';

export interface RestartPolicy {
  /** Wait before the first restart; doubled after each further crash within the window. */
  backoffMs: number;
  backoffMaxMs: number;
  /** This many crashes within `windowMs` and the service is not restarted again. */
  maxCrashes: number;
  windowMs: number;
}

export function restartPolicy(config: LauncherConfig): RestartPolicy {
  return {
    backoffMs: config.RESTART_BACKOFF_MS,
    backoffMaxMs: Math.max(config.RESTART_BACKOFF_MS, config.RESTART_BACKOFF_MAX_MS),
    maxCrashes: config.RESTART_MAX_CRASHES,
    windowMs: config.RESTART_WINDOW_SECONDS * 1000,
  };
}

export interface GaveUp {
  service: ServiceName;
  crashes: number;
  exit: ProcessExit;
  logPath: string;
  lastLines: string;
}

/** What a person reads when the launcher gives up on a service. */
export function describeGaveUp(info: GaveUp, windowMs: number): string {
  return [
    `${info.service} crashed ${info.crashes} times within ${Math.round(windowMs / 1000)} s (last ${describeExit(info.exit)}); not restarting it.`,
    `Last lines of ${info.logPath}:`,
    ...info.lastLines.split('\n').map((line) => `  | ${line}`),
  ].join('\n');
}

function describeExit(exit: ProcessExit): string {
  return exit.signal ? `killed by ${exit.signal}` : `exit code ${exit.code}`;
}

/**
 * Restarts services that exit on their own, waiting longer after each crash, and gives up on one
 * that keeps crashing: a bad setting or a broken build would otherwise restart forever and bury
 * its own error under the restarts.
 */
export class Supervisor {
  private readonly crashes = new Map<ServiceName, number[]>();
  private readonly pending = new Map<ServiceName, NodeJS.Timeout>();
  private readonly givenUp = new Set<ServiceName>();
  private readonly unsubscribe: Array<() => void> = [];
  private stopped = false;

  constructor(
    services: ManagedProcess[],
    private readonly policy: RestartPolicy,
    private readonly hooks: { log(message: string): void; gaveUp(info: GaveUp): void },
  ) {
    for (const service of services) this.unsubscribe.push(service.onCrash((exit) => this.crashed(service, exit)));
  }

  /** Whether the supervisor stopped restarting this service. */
  hasGivenUp(name: ServiceName): boolean {
    return this.givenUp.has(name);
  }

  get anyGivenUp(): boolean {
    return this.givenUp.size > 0;
  }

  /** Forgets a service's crashes (its sources changed: the next crash is a new story). */
  forgive(name: ServiceName): void {
    this.crashes.delete(name);
    this.givenUp.delete(name);
  }

  /** Cancels a restart that is waiting, when the caller starts the service itself. */
  cancelRestart(name: ServiceName): void {
    clearTimeout(this.pending.get(name));
    this.pending.delete(name);
  }

  stop(): void {
    this.stopped = true;
    for (const timer of this.pending.values()) clearTimeout(timer);
    this.pending.clear();
    for (const off of this.unsubscribe) off();
  }

  private crashed(service: ManagedProcess, exit: ProcessExit): void {
    if (this.stopped) return;
    const now = Date.now();
    const recent = (this.crashes.get(service.name) ?? []).filter((at) => now - at < this.policy.windowMs);
    recent.push(now);
    this.crashes.set(service.name, recent);
    if (recent.length >= this.policy.maxCrashes) {
      this.givenUp.add(service.name);
      this.hooks.gaveUp({ service: service.name, crashes: recent.length, exit, logPath: service.log, lastLines: lastLines(service.log, 20) });
      return;
    }
    const delay = Math.min(this.policy.backoffMs * 2 ** (recent.length - 1), this.policy.backoffMaxMs);
    this.hooks.log(`${service.name} exited (${describeExit(exit)}); restarting it in ${delay} ms (see ${service.log})`);
    this.cancelRestart(service.name);
    this.pending.set(
      service.name,
      setTimeout(() => {
        this.pending.delete(service.name);
        if (!this.stopped && !this.givenUp.has(service.name)) service.start();
      }, delay),
    );
  }
}

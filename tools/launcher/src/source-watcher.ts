import { watch, type FSWatcher } from 'node:fs';
import { join } from 'node:path';
import type { ServiceName } from './stack';

/** The TypeScript project each service is built from, and the folders its code comes from. */
export const SERVICE_SOURCES: Record<ServiceName, { project: string; sources: string[] }> = {
  gateway: { project: 'gateway', sources: ['gateway/src', 'packages/common/src'] },
  auth: { project: 'services/auth', sources: ['services/auth/src', 'packages/common/src'] },
  records: { project: 'services/records', sources: ['services/records/src', 'packages/common/src'] },
  qa: { project: 'services/qa', sources: ['services/qa/src', 'packages/resume-analysis/src', 'packages/common/src'] },
  'qa-worker': { project: 'services/qa', sources: ['services/qa/src', 'packages/resume-analysis/src', 'packages/common/src'] },
};

export interface SourceChange {
  services: ServiceName[];
  files: string[];
}

/**
 * Watches the services' source folders and reports which services a burst of edits touched, once
 * the burst is over (an editor's save, a branch switch). Reports never overlap: edits made while
 * one is handled are gathered into the next.
 */
export class SourceWatcher {
  private readonly watchers: FSWatcher[] = [];
  private readonly changed = new Map<string, Set<ServiceName>>();
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private closed = false;

  constructor(
    private readonly root: string,
    private readonly onChange: (change: SourceChange) => Promise<void>,
    private readonly quietMs = 250,
  ) {}

  start(): void {
    const byFolder = new Map<string, ServiceName[]>();
    for (const [name, { sources }] of Object.entries(SERVICE_SOURCES) as Array<[ServiceName, { sources: string[] }]>) {
      for (const folder of sources) byFolder.set(folder, [...(byFolder.get(folder) ?? []), name]);
    }
    for (const [folder, services] of byFolder) {
      const watcher = watch(join(this.root, folder), { recursive: true }, (_event, file) => {
        if (!file || !/\.(ts|json)$/.test(file)) return;
        const path = `${folder}/${file}`;
        const set = this.changed.get(path) ?? new Set();
        for (const service of services) set.add(service);
        this.changed.set(path, set);
        this.schedule();
      });
      this.watchers.push(watcher);
    }
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
    for (const watcher of this.watchers) watcher.close();
  }

  private schedule(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.flush(), this.quietMs);
  }

  private async flush(): Promise<void> {
    if (this.closed) return;
    if (this.running) {
      // Still handling the previous burst; this one waits for it.
      await this.running;
      return this.schedule();
    }
    if (this.changed.size === 0) return;
    const files = [...this.changed.keys()].sort();
    const services = new Set<ServiceName>();
    for (const set of this.changed.values()) for (const service of set) services.add(service);
    this.changed.clear();
    this.running = this.onChange({ services: [...services], files }).finally(() => (this.running = undefined));
    await this.running;
  }
}

import { mkdirSync, openSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** The checkout's top folder (tools/infra/src or tools/infra/dist is three levels below it). */
export const ROOT = resolve(__dirname, '..', '..', '..');
/** Where native servers keep their data, binaries and logs: inside the checkout, ignored by git. */
export const DATA_DIR = join(ROOT, '.data');

export function log(message: string) {
  process.stdout.write(`[infra] ${message}\n`);
}

export function logFile(name: string): number {
  const dir = join(DATA_DIR, 'logs');
  mkdirSync(dir, { recursive: true });
  return openSync(join(dir, `${name}.log`), 'a');
}

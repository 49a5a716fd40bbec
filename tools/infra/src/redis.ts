import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ensureDebianPackage } from './debian';
import { DATA_DIR, log, logFile } from './paths';
import { isListening, waitForPort } from './ports';
import { reused, startedServer, type NativeServer } from './processes';

export interface RedisOptions {
  port: number;
  name?: string;
  /** Redis for queues must never evict; a cache instance may (allkeys-lru with a memory cap). */
  maxMemory?: string;
  policy?: 'noeviction' | 'allkeys-lru';
}

export async function startRedis({ port, name = `redis-${port}`, maxMemory, policy = 'noeviction' }: RedisOptions): Promise<NativeServer> {
  const url = `redis://127.0.0.1:${port}`;
  if (await isListening(port)) return reused('redis', url, port);
  const binary = ensureDebianPackage('redis-server', 'redis-server');
  const dir = join(DATA_DIR, name);
  mkdirSync(dir, { recursive: true });
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no', '--maxmemory-policy', policy];
  if (maxMemory) args.push('--maxmemory', maxMemory);
  const out = logFile(name);
  const child = spawn(binary, args, { detached: true, stdio: ['ignore', out, out] });
  await waitForPort(port, 'redis-server', 15_000, child);
  log(`redis: started on port ${port} (${policy})`);
  return startedServer('redis', url, port, child);
}

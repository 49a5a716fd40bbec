import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');

/** The packages under node_modules that loading a built entry point pulls in (run in a fresh Node, as production does). */
function packagesLoadedBy(entry: string): string[] {
  const script = `require(${JSON.stringify(entry)});
const names = new Set(Object.keys(require.cache).flatMap((file) => {
  const m = /node_modules[\\\\/]((?:@[^\\\\/]+[\\\\/])?[^\\\\/]+)/.exec(file);
  return m ? [m[1].replace(/\\\\/g, '/')] : [];
}));
process.stdout.write(JSON.stringify([...names]));`;
  return JSON.parse(execFileSync(process.execPath, ['-e', script], { cwd: ROOT, encoding: 'utf8' })) as string[];
}

describe('what each process loads', () => {
  it('when the gateway is loaded, then mongoose and the MongoDB driver are not (it has no database)', () => {
    const loaded = packagesLoadedBy(join(ROOT, 'gateway', 'dist', 'main.js'));
    expect(loaded).toContain('express');
    expect(loaded).not.toContain('mongoose');
    expect(loaded).not.toContain('mongodb');
  });

  it('when a service that owns data is loaded, then it does load mongoose (the check above can tell)', () => {
    expect(packagesLoadedBy(join(ROOT, 'services', 'records', 'dist', 'main.js'))).toContain('mongoose');
  });

  it('when tracing is loaded, then no client library is yet (its instrumentations patch them only if they load after)', () => {
    const loaded = packagesLoadedBy(join(ROOT, 'packages', 'common', 'dist', 'tracing.js'));
    for (const library of ['ioredis', 'mongodb', 'mongoose', 'amqplib', 'express', 'bullmq']) expect(loaded).not.toContain(library);
  });
});

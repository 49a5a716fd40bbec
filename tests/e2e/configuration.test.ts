import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from '@app/infra';

const ENTRIES = {
  gateway: 'gateway/dist/main.js',
  auth: 'services/auth/dist/main.js',
  records: 'services/records/dist/main.js',
  qa: 'services/qa/dist/main.js',
  'qa-worker': 'services/qa/dist/worker.js',
};

const GOOD = {
  IDENTITY_SECRET: 'x'.repeat(40),
  MONGO_URL: 'mongodb://127.0.0.1:1/',
  REDIS_URL: 'redis://127.0.0.1:1',
  AMQP_URL: 'amqp://127.0.0.1:1',
  AUTH_URL: 'http://127.0.0.1:1',
  RECORDS_URL: 'http://127.0.0.1:1',
  QA_URL: 'http://127.0.0.1:1',
};

function startWith(entry: string, env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const clean = Object.fromEntries(
      Object.entries(process.env).filter(([k]) => !/^(MONGO|REDIS|AMQP|IDENTITY|AUTH_URL|RECORDS_URL|QA_URL)/.test(k)),
    );
    const child = spawn(process.execPath, [join(ROOT, entry)], {
      env: { ...clean, NODE_ENV: 'test', PORT: '0', ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr });
    });
  });
}

describe('configuration is checked at start', () => {
  // The worker serves no caller, so it needs no identity secret; its storage is required.
  const REQUIRED: Array<[string, string, keyof typeof GOOD]> = [
    ['gateway', ENTRIES.gateway, 'IDENTITY_SECRET'],
    ['auth', ENTRIES.auth, 'IDENTITY_SECRET'],
    ['records', ENTRIES.records, 'IDENTITY_SECRET'],
    ['qa', ENTRIES.qa, 'IDENTITY_SECRET'],
    ['qa-worker', ENTRIES['qa-worker'], 'MONGO_URL'],
  ];
  it.each(REQUIRED)('%s: a missing required variable stops it with a message naming it', async (_name, entry, variable) => {
    const env: Record<string, string> = { ...GOOD };
    delete env[variable];
    const { code, stderr } = await startWith(entry, env);
    expect(code).toBe(1);
    expect(stderr).toContain(`${variable} is required`);
  });

  it.each(Object.entries(ENTRIES))('%s: a malformed URL variable stops it with a message naming it', async (name, entry) => {
    const variable = name === 'gateway' ? 'AUTH_URL' : 'MONGO_URL';
    const { code, stderr } = await startWith(entry, { ...GOOD, [variable]: 'not a url' });
    expect(code).toBe(1);
    expect(stderr).toContain(`${variable} is invalid`);
  });

  it('a port that is not a number is named', async () => {
    const { code, stderr } = await startWith(ENTRIES.gateway, { ...GOOD, PORT: 'eighty' });
    expect(code).toBe(1);
    expect(stderr).toContain('PORT is invalid');
  });
});

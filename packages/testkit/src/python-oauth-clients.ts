import { execFile } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { DATA_DIR, log } from '@app/infra';

/**
 * The Python OAuth 2.0 clients the tests drive, pinned so that a run means the same thing on every
 * machine: requests-oauthlib (on oauthlib) and authlib, the two libraries the interoperability
 * problems were first seen with.
 */
export const PYTHON_OAUTH_CLIENTS = ['requests==2.32.5', 'oauthlib==3.3.1', 'requests-oauthlib==2.0.0', 'authlib==1.9.10'];

const run = promisify(execFile);
const VENV = join(DATA_DIR, `oauth-clients-${PYTHON_OAUTH_CLIENTS.join('_').replace(/[^A-Za-z0-9._-]/g, '-')}`);

/** A Python virtual environment under .data/ with the pinned clients from PyPI, made once; returns its python. */
export async function ensurePythonOAuthClients(): Promise<string> {
  const python = join(VENV, 'bin', 'python');
  const ready = join(VENV, '.installed');
  if (existsSync(ready)) return python;
  log(`installing ${PYTHON_OAUTH_CLIENTS.join(', ')} into ${VENV}`);
  mkdirSync(DATA_DIR, { recursive: true });
  await run('python3', ['-m', 'venv', VENV], { timeout: 120_000 });
  await run(join(VENV, 'bin', 'pip'), ['install', '--quiet', '--disable-pip-version-check', ...PYTHON_OAUTH_CLIENTS], {
    timeout: 600_000,
    maxBuffer: 16 * 1024 * 1024,
  });
  // Written last: an install cut short is redone, not taken for a finished one.
  await run(python, ['-c', `open(${JSON.stringify(ready)}, 'w').close()`]);
  return python;
}

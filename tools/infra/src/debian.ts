import { execFileSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { log } from './paths';

/** The path of `command` on PATH (or in the system and Go folders PATH may lack), if installed. */
export function which(command: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(':').concat(['/usr/sbin', '/usr/bin', '/usr/local/go/bin'])) {
    const candidate = join(dir, command);
    if (dir && existsSync(candidate)) return candidate;
  }
  return undefined;
}

let aptUpdated = false;
// Another install on the same machine holds dpkg's lock for a while: wait for it instead of failing.
const APT_WAIT = ['-o', 'DPkg::Lock::Timeout=600'];
/** Installs Debian packages when a command is missing; needs root, as on the project's CI machines. */
export function ensureDebianPackage(command: string, pkg: string): string {
  const found = which(command);
  if (found) return found;
  if (process.getuid?.() !== 0) {
    throw new Error(`${command} is not installed; install the '${pkg}' package or set the matching *_URL variable`);
  }
  aptInstall(pkg);
  const installed = which(command);
  if (!installed) throw new Error(`${pkg} installed but ${command} not found`);
  return installed;
}

/**
 * The QA worker's OCR tools (it reads scanned pages with them): poppler's pdftoppm and tesseract
 * with its English data, from the distribution's packages like the servers.
 */
export function ensureOcrTools(): void {
  ensureDebianPackage('pdftoppm', 'poppler-utils');
  const tesseract = ensureDebianPackage('tesseract', 'tesseract-ocr');
  const languages = (() => {
    try {
      return execFileSync(tesseract, ['--list-langs'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    } catch {
      return '';
    }
  })();
  if (/^eng$/m.test(languages)) return;
  if (process.getuid?.() !== 0) throw new Error(`tesseract has no English data; install the 'tesseract-ocr-eng' package`);
  aptInstall('tesseract-ocr-eng');
}

/** apt-get install of one package (the package lists updated once per process); needs root. */
function aptInstall(pkg: string): void {
  log(`installing ${pkg} from the distribution's packages`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  if (!aptUpdated) {
    execFileSync('apt-get', [...APT_WAIT, 'update', '-qq'], { stdio: 'inherit', env });
    aptUpdated = true;
  }
  // policy-rc.d keeps the package from starting its own system-wide server on the default port.
  const policy = '/usr/sbin/policy-rc.d';
  const hadPolicy = existsSync(policy);
  if (!hadPolicy) writeFileSync(policy, '#!/bin/sh\nexit 101\n', { mode: 0o755 });
  try {
    execFileSync('apt-get', [...APT_WAIT, 'install', '-y', '-qq', '--no-install-recommends', pkg], { stdio: 'inherit', env });
  } finally {
    if (!hadPolicy) execFileSync('rm', ['-f', policy]);
  }
}

import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DATA_DIR, log } from './paths';

/**
 * The validator of rendered Kubernetes objects: kubernetes-validate from PyPI bundles the API's
 * JSON schemas (strict variants included), so it checks offline what kubeconform would fetch from
 * GitHub. Pinned, so a run means the same thing on every machine.
 */
export const KUBERNETES_VALIDATE_VERSION = '1.37.0';

/** A Python virtual environment under .data/ with the pinned kubernetes-validate; made once. */
export function ensureKubernetesValidate(): string {
  const venv = join(DATA_DIR, `kubernetes-validate-${KUBERNETES_VALIDATE_VERSION}`);
  const binary = join(venv, 'bin', 'kubernetes-validate');
  // Written last: an install cut short is made again rather than taken for a finished one (a venv
  // cannot be built elsewhere and renamed into place: its scripts name their own path).
  const installed = join(venv, '.installed');
  if (existsSync(installed)) return binary;
  log(`installing kubernetes-validate ${KUBERNETES_VALIDATE_VERSION} into ${venv}`);
  mkdirSync(DATA_DIR, { recursive: true });
  rmSync(venv, { recursive: true, force: true });
  execFileSync('python3', ['-m', 'venv', venv], { stdio: ['ignore', 'inherit', 'inherit'], timeout: 120_000 });
  execFileSync(
    join(venv, 'bin', 'pip'),
    ['install', '--quiet', '--disable-pip-version-check', `kubernetes-validate==${KUBERNETES_VALIDATE_VERSION}`],
    { stdio: ['ignore', 'inherit', 'inherit'], timeout: 600_000 },
  );
  writeFileSync(installed, `kubernetes-validate==${KUBERNETES_VALIDATE_VERSION}\n`);
  return binary;
}

import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { DATA_DIR, log } from './paths';

/** The Helm the chart is checked with, built from the Go module proxy (checksummed by the Go sum database). */
export const HELM_VERSION = 'v3.22.0';

/** Builds the pinned helm once into the ignored data folder; later calls reuse it. */
export function ensureHelmBinary(): string {
  const binary = join(DATA_DIR, 'bin', `helm-${HELM_VERSION}`);
  if (existsSync(binary)) return binary;
  const staging = join(DATA_DIR, 'bin', `.helm-${HELM_VERSION}-${process.pid}`);
  mkdirSync(staging, { recursive: true });
  log(`building helm ${HELM_VERSION} from the Go module proxy (first run only)`);
  execFileSync('go', ['install', `helm.sh/helm/v3/cmd/helm@${HELM_VERSION}`], {
    cwd: DATA_DIR,
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, GOBIN: staging, CGO_ENABLED: '0', PATH: `${process.env.PATH ?? ''}:/usr/local/go/bin` },
  });
  // Renamed into place whole, so a build cut short never leaves a half-written binary to reuse.
  renameSync(join(staging, 'helm'), binary);
  return binary;
}

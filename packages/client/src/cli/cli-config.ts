import { homedir } from 'node:os';
import { join } from 'node:path';

export interface CliConfig {
  /** The gateway: `--url`, else API_URL, else the local default. */
  url: string;
  /** Where the credentials file lives: $XDG_CONFIG_HOME/api-gateway-cli, else ~/.config/api-gateway-cli. */
  configDir: string;
}

export const DEFAULT_URL = 'http://127.0.0.1:8000';

/** The CLI's settings, from its flags and the environment; the one place the CLI reads process.env. */
export function loadCliConfig(flags: { url?: string }, env: NodeJS.ProcessEnv = process.env): CliConfig {
  const raw = flags.url ?? env.API_URL ?? DEFAULT_URL;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UsageError(`The gateway URL ${JSON.stringify(raw)} is not a URL (use --url or API_URL, e.g. ${DEFAULT_URL})`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError(`The gateway URL must be http or https, not ${url.protocol}`);
  // XDG says a relative XDG_CONFIG_HOME is invalid and must be ignored.
  const xdg = env.XDG_CONFIG_HOME && env.XDG_CONFIG_HOME.startsWith('/') ? env.XDG_CONFIG_HOME : undefined;
  const configDir = join(xdg ?? join(env.HOME || homedir(), '.config'), 'api-gateway-cli');
  return { url: url.origin + url.pathname.replace(/\/+$/, ''), configDir };
}

/** A mistake in how the CLI was called: exit code 2 and a pointer to --help. */
export class UsageError extends Error {
  override name = 'UsageError';
}

import { chmod, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface Session {
  username: string;
  accessToken: string;
  refreshToken: string;
  /** Unix milliseconds. */
  expiresAt: number;
}

/**
 * Tokens per gateway URL in one JSON file that only its owner can read (0600, in a 0700 folder):
 * they are as good as the password for their lifetime.
 */
export class CredentialStore {
  readonly file: string;

  constructor(private readonly dir: string) {
    this.file = join(dir, 'credentials.json');
  }

  async get(url: string): Promise<Session | undefined> {
    return (await this.readAll())[url];
  }

  async set(url: string, session: Session): Promise<void> {
    const all = await this.readAll();
    all[url] = session;
    await this.writeAll(all);
  }

  async remove(url: string): Promise<boolean> {
    const all = await this.readAll();
    if (!(url in all)) return false;
    delete all[url];
    if (Object.keys(all).length === 0) await rm(this.file, { force: true });
    else await this.writeAll(all);
    return true;
  }

  private async readAll(): Promise<Record<string, Session>> {
    try {
      const parsed: unknown = JSON.parse(await readFile(this.file, 'utf8'));
      return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, Session>) : {};
    } catch {
      return {};
    }
  }

  private async writeAll(all: Record<string, Session>): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    // Written aside with its final mode, then renamed: the tokens are never readable by others, even briefly.
    const temporary = `${this.file}.${process.pid}.tmp`;
    await writeFile(temporary, JSON.stringify(all, null, 2) + '\n', { mode: 0o600 });
    await chmod(temporary, 0o600);
    await rename(temporary, this.file);
  }
}

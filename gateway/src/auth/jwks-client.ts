import { createPublicKey, type KeyObject, type JsonWebKey } from 'node:crypto';
import type { Logger } from '@app/common';

interface Jwk extends JsonWebKey {
  kid?: string;
  alg?: string;
  use?: string;
}

/**
 * The auth service's public keys, fetched from its JWKS and cached by `kid`.
 * An unknown `kid` triggers one refetch (rotation), at most every `minRefetchMs`,
 * so a flood of tokens with made-up kids cannot hammer the auth service.
 */
export class JwksClient {
  private keys = new Map<string, KeyObject>();
  private lastFetch = 0;
  private inflight?: Promise<void>;
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly url: string,
    private readonly logger: Logger,
    private readonly minRefetchMs: number,
    private readonly refreshMs: number,
  ) {}

  start() {
    void this.refresh().catch(() => undefined);
    this.timer = setInterval(() => void this.refresh().catch(() => undefined), this.refreshMs);
    this.timer.unref();
  }

  stop() {
    clearInterval(this.timer);
  }

  hasKeys(): boolean {
    return this.keys.size > 0;
  }

  /** Whether the key is still published; a withdrawn key withdraws the tokens it signed. */
  hasKid(kid: string): boolean {
    return this.keys.has(kid);
  }

  async getKey(kid: string): Promise<KeyObject | undefined> {
    const known = this.keys.get(kid);
    if (known) return known;
    if (this.inflight) {
      await this.inflight.catch(() => undefined);
      const fetched = this.keys.get(kid);
      if (fetched) return fetched;
    }
    if (Date.now() - this.lastFetch < this.minRefetchMs) return undefined;
    await this.refresh().catch(() => undefined);
    return this.keys.get(kid);
  }

  refresh(): Promise<void> {
    this.inflight ??= this.fetchKeys().finally(() => {
      this.inflight = undefined;
    });
    return this.inflight;
  }

  private async fetchKeys(): Promise<void> {
    this.lastFetch = Date.now();
    try {
      const response = await fetch(this.url, { signal: AbortSignal.timeout(2000) });
      if (!response.ok) throw new Error(`JWKS answered ${response.status}`);
      const body = (await response.json()) as { keys?: Jwk[] };
      const keys = new Map<string, KeyObject>();
      for (const jwk of body.keys ?? []) {
        if (!jwk.kid || (jwk.use && jwk.use !== 'sig')) continue;
        try {
          keys.set(jwk.kid, createPublicKey({ key: jwk, format: 'jwk' }));
        } catch (err) {
          this.logger.warn({ kid: jwk.kid, err: String(err) }, 'skipping unusable JWK');
        }
      }
      if (keys.size > 0) this.keys = keys;
      this.logger.debug({ kids: [...keys.keys()] }, 'JWKS loaded');
    } catch (err) {
      this.logger.warn({ err: String(err), url: this.url }, 'JWKS fetch failed');
      throw err;
    }
  }
}

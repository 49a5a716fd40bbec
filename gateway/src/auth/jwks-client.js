"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.JwksClient = void 0;
const node_crypto_1 = require("node:crypto");
/**
 * The auth service's public keys, fetched from its JWKS and cached by `kid`.
 * An unknown `kid` triggers one refetch (rotation), at most every `minRefetchMs`,
 * so a flood of tokens with made-up kids cannot hammer the auth service.
 */
class JwksClient {
    url;
    logger;
    minRefetchMs;
    refreshMs;
    keys = new Map();
    lastFetch = 0;
    inflight;
    timer;
    constructor(url, logger, minRefetchMs, refreshMs) {
        this.url = url;
        this.logger = logger;
        this.minRefetchMs = minRefetchMs;
        this.refreshMs = refreshMs;
    }
    start() {
        void this.refresh().catch(() => undefined);
        this.timer = setInterval(() => void this.refresh().catch(() => undefined), this.refreshMs);
        this.timer.unref();
    }
    stop() {
        clearInterval(this.timer);
    }
    hasKeys() {
        return this.keys.size > 0;
    }
    async getKey(kid) {
        const known = this.keys.get(kid);
        if (known)
            return known;
        if (this.inflight) {
            await this.inflight.catch(() => undefined);
            const fetched = this.keys.get(kid);
            if (fetched)
                return fetched;
        }
        if (Date.now() - this.lastFetch < this.minRefetchMs)
            return undefined;
        await this.refresh().catch(() => undefined);
        return this.keys.get(kid);
    }
    refresh() {
        this.inflight ??= this.fetchKeys().finally(() => {
            this.inflight = undefined;
        });
        return this.inflight;
    }
    async fetchKeys() {
        this.lastFetch = Date.now();
        try {
            const response = await fetch(this.url, { signal: AbortSignal.timeout(2000) });
            if (!response.ok)
                throw new Error(`JWKS answered ${response.status}`);
            const body = (await response.json());
            const keys = new Map();
            for (const jwk of body.keys ?? []) {
                if (!jwk.kid || (jwk.use && jwk.use !== 'sig'))
                    continue;
                try {
                    keys.set(jwk.kid, (0, node_crypto_1.createPublicKey)({ key: jwk, format: 'jwk' }));
                }
                catch (err) {
                    this.logger.warn({ kid: jwk.kid, err: String(err) }, 'skipping unusable JWK');
                }
            }
            if (keys.size > 0)
                this.keys = keys;
            this.logger.debug({ kids: [...keys.keys()] }, 'JWKS loaded');
        }
        catch (err) {
            this.logger.warn({ err: String(err), url: this.url }, 'JWKS fetch failed');
            throw err;
        }
    }
}
exports.JwksClient = JwksClient;
//# sourceMappingURL=jwks-client.js.map
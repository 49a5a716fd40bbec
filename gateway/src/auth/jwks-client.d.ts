import { type KeyObject } from 'node:crypto';
import type { Logger } from '@app/common';
/**
 * The auth service's public keys, fetched from its JWKS and cached by `kid`.
 * An unknown `kid` triggers one refetch (rotation), at most every `minRefetchMs`,
 * so a flood of tokens with made-up kids cannot hammer the auth service.
 */
export declare class JwksClient {
    private readonly url;
    private readonly logger;
    private readonly minRefetchMs;
    private readonly refreshMs;
    private keys;
    private lastFetch;
    private inflight?;
    private timer?;
    constructor(url: string, logger: Logger, minRefetchMs: number, refreshMs: number);
    start(): void;
    stop(): void;
    hasKeys(): boolean;
    getKey(kid: string): Promise<KeyObject | undefined>;
    refresh(): Promise<void>;
    private fetchKeys;
}

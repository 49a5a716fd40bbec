import type { Redis } from 'ioredis';
export interface CachedResponse {
    status: number;
    headers: Record<string, string>;
    body: string;
    etag: string;
    storedAt: number;
}
/**
 * The per-user cache in Redis. Invalidation bumps a per-user generation that is part of
 * every entry's key, so a write costs one INCR however many entries the user has; the old
 * entries are never read again and expire by their TTL.
 */
export declare class ResponseStore {
    private readonly redis;
    private readonly timeoutMs;
    constructor(redis: Redis, timeoutMs: number);
    get available(): boolean;
    private bounded;
    entryKey(userId: string, method: string, url: string): Promise<string>;
    read(key: string): Promise<CachedResponse | undefined>;
    write(key: string, entry: CachedResponse, ttlSeconds: number): Promise<void>;
    invalidateUser(userId: string): Promise<void>;
    /** Takes the fill lock for a key; only its holder asks the service, across all gateway instances. */
    lock(key: string, ttlMs: number): Promise<string | undefined>;
    unlock(key: string, token: string): Promise<void>;
}

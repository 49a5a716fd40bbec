"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.ResponseStore = void 0;
const node_crypto_1 = require("node:crypto");
const common_1 = require("@app/common");
const PREFIX = 'gwcache:v1';
// A user id goes into the key hashed, so key names never carry raw identifiers.
const userPart = (userId) => (0, node_crypto_1.createHash)('sha256').update(userId).digest('base64url').slice(0, 22);
const generationKey = (userId) => `${PREFIX}:gen:${userPart(userId)}`;
/**
 * The per-user cache in Redis. Invalidation bumps a per-user generation that is part of
 * every entry's key, so a write costs one INCR however many entries the user has; the old
 * entries are never read again and expire by their TTL.
 */
class ResponseStore {
    redis;
    timeoutMs;
    constructor(redis, timeoutMs) {
        this.redis = redis;
        this.timeoutMs = timeoutMs;
    }
    get available() {
        return this.redis.status === 'ready';
    }
    bounded(promise) {
        return (0, common_1.withTimeout)(promise, this.timeoutMs, 'cache');
    }
    async entryKey(userId, method, url) {
        const generation = (await this.bounded(this.redis.get(generationKey(userId)))) ?? '0';
        const digest = (0, node_crypto_1.createHash)('sha256').update(`${method} ${url}`).digest('base64url');
        return `${PREFIX}:e:${userPart(userId)}:${generation}:${digest}`;
    }
    async read(key) {
        const raw = await this.bounded(this.redis.get(key));
        return raw ? JSON.parse(raw) : undefined;
    }
    async write(key, entry, ttlSeconds) {
        await this.bounded(this.redis.set(key, JSON.stringify(entry), 'EX', ttlSeconds));
    }
    async invalidateUser(userId) {
        // The generation outlives every entry written under it, so it never falls back to a used value.
        await this.bounded(this.redis.multi().incr(generationKey(userId)).expire(generationKey(userId), 7 * 24 * 3600).exec());
    }
    /** Takes the fill lock for a key; only its holder asks the service, across all gateway instances. */
    async lock(key, ttlMs) {
        const token = (0, node_crypto_1.randomUUID)();
        const ok = await this.bounded(this.redis.set(`${key}:lock`, token, 'PX', ttlMs, 'NX'));
        return ok === 'OK' ? token : undefined;
    }
    async unlock(key, token) {
        await this.bounded(this.redis.eval("if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end", 1, `${key}:lock`, token));
    }
}
exports.ResponseStore = ResponseStore;
//# sourceMappingURL=response-store.js.map
"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.start = start;
const common_1 = require("@app/common");
const jwks_client_1 = require("./auth/jwks-client");
const revocation_list_1 = require("./auth/revocation-list");
const response_store_1 = require("./cache/response-store");
const config_1 = require("./config");
const app_1 = require("./http/app");
const forward_1 = require("./proxy/forward");
const upstreams_1 = require("./proxy/upstreams");
async function start(overrides = {}) {
    const config = (0, config_1.loadGatewayConfig)(overrides);
    const logger = (0, common_1.createLogger)('gateway', config.LOG_LEVEL);
    const metrics = (0, common_1.createMetrics)('gateway');
    const redis = (0, common_1.connectRedis)(config.REDIS_URL, logger, 'gateway');
    const cacheRedis = config.REDIS_CACHE_URL === config.REDIS_URL ? redis : (0, common_1.connectRedis)(config.REDIS_CACHE_URL, logger, 'gateway-cache');
    const events = new common_1.EventBus({ url: config.AMQP_URL, exchange: config.EVENTS_EXCHANGE, service: 'gateway', logger });
    const upstreams = (0, upstreams_1.upstreamsFrom)(config);
    const agents = new Map(upstreams.map((u) => [u.name, (0, forward_1.keepAliveAgent)(u.url)]));
    const jwks = new jwks_client_1.JwksClient(new URL('/auth/.well-known/jwks.json', config.AUTH_URL).toString(), logger, config.JWKS_MIN_REFETCH_SECONDS * 1000, config.JWKS_REFRESH_SECONDS * 1000);
    const revocations = new revocation_list_1.RevocationList(redis, logger, config.CACHE_REDIS_TIMEOUT_MS);
    const store = new response_store_1.ResponseStore(cacheRedis, config.CACHE_REDIS_TIMEOUT_MS);
    // Every instance must hear every revocation; cache invalidation needs doing once per event.
    await events.subscribe('gateway.revocations', ['token.revoked'], async (event) => {
        revocations.remember(event.data);
    }, { perInstance: true });
    await events.subscribe('gateway.cache-invalidation', ['record.*', 'user.deleted', 'qa.job.*'], async (event) => {
        const data = event.data;
        const userId = data.owner ?? data.userId;
        if (userId)
            await store.invalidateUser(userId);
    });
    await events.start();
    jwks.start();
    const app = (0, app_1.createGatewayApp)({ config, logger, metrics, redis, cacheRedis, events, jwks, revocations, store, upstreams, agents });
    const server = await (0, common_1.listen)(app, config.PORT, config.HOST);
    const port = (0, common_1.portOf)(server);
    logger.info({ port }, 'gateway listening');
    const stop = (0, common_1.once)(async () => {
        await (0, common_1.closeServer)(server, Math.min(5000, config.SHUTDOWN_TIMEOUT_MS / 2));
        jwks.stop();
        await events.close();
        for (const agent of agents.values())
            agent.destroy();
        redis.disconnect();
        if (cacheRedis !== redis)
            cacheRedis.disconnect();
    });
    return { port, url: `http://127.0.0.1:${port}`, logger, stop };
}
if (require.main === module)
    void (0, common_1.runMain)('gateway', () => start());
//# sourceMappingURL=main.js.map
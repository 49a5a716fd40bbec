"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.loadGatewayConfig = loadGatewayConfig;
const common_1 = require("@app/common");
const zod_1 = require("zod");
const DEFAULT_PUBLIC_PATHS = [
    '/auth/login',
    '/auth/register',
    '/auth/refresh',
    '/auth/.well-known/jwks.json',
    '/health',
    '/ready',
    '/metrics',
    '/docs',
    '/docs/*',
    '/openapi.json',
].join(',');
// As the seed: the caching demo for two minutes; records reads briefly, since writes invalidate them anyway.
const DEFAULT_CACHE_ROUTES = '/cached-data=120,/cached-data-scope=120,/records=60,/records/:id=60';
function loadGatewayConfig(overrides = {}) {
    const source = { ...process.env, ...overrides };
    const config = (0, common_1.loadConfig)({
        NODE_ENV: common_1.env.nodeEnv(),
        LOG_LEVEL: common_1.env.logLevel(),
        HOST: zod_1.z.string().default('0.0.0.0'),
        PORT: common_1.env.port(8000),
        AUTH_URL: common_1.env.url(['http', 'https']),
        RECORDS_URL: common_1.env.url(['http', 'https']),
        QA_URL: common_1.env.url(['http', 'https']),
        REDIS_URL: common_1.env.url(['redis', 'rediss']),
        REDIS_CACHE_URL: common_1.env.url(['redis', 'rediss']).optional(),
        AMQP_URL: common_1.env.url(['amqp', 'amqps']),
        EVENTS_EXCHANGE: zod_1.z.string().min(1).default('app.events'),
        IDENTITY_SECRET: common_1.env.secret(),
        JWT_ISSUER: zod_1.z.string().min(1).default('api-gateway-auth'),
        JWT_AUDIENCE: zod_1.z.string().min(1).default('api-gateway'),
        JWT_ALGORITHMS: common_1.env.list('RS256,ES256').pipe(zod_1.z.array(zod_1.z.enum(['RS256', 'RS384', 'RS512', 'ES256', 'ES384', 'ES512', 'PS256', 'EdDSA'])).min(1)),
        JWT_CLOCK_TOLERANCE_SECONDS: common_1.env.int(5, 0, 300),
        JWKS_REFRESH_SECONDS: common_1.env.int(600, 10),
        JWKS_MIN_REFETCH_SECONDS: common_1.env.int(10, 0),
        PUBLIC_PATHS: common_1.env.list(DEFAULT_PUBLIC_PATHS),
        CORS_ORIGINS: common_1.env.list('*'),
        TRUST_PROXY: zod_1.z.string().default('false'),
        BODY_LIMIT_BYTES: common_1.env.int(1024 * 1024, 1),
        QA_BODY_LIMIT_BYTES: common_1.env.int(12 * 1024 * 1024, 1),
        UPSTREAM_TIMEOUT_MS: common_1.env.int(15_000, 100),
        QA_UPSTREAM_TIMEOUT_MS: common_1.env.int(70_000, 100),
        CACHE_ROUTES: zod_1.z.string().default(DEFAULT_CACHE_ROUTES),
        CACHE_MAX_ENTRY_BYTES: common_1.env.int(256 * 1024, 1024),
        CACHE_REDIS_TIMEOUT_MS: common_1.env.int(150, 10, 5000),
        CACHE_LOCK_WAIT_MS: common_1.env.int(3000, 0, 30_000),
        OPENAPI_CACHE_SECONDS: common_1.env.int(60, 0),
        SHUTDOWN_TIMEOUT_MS: common_1.env.int(10_000, 100),
    }, source);
    return { ...config, REDIS_CACHE_URL: config.REDIS_CACHE_URL ?? config.REDIS_URL };
}
//# sourceMappingURL=config.js.map
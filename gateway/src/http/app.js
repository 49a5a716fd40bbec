"use strict";
var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", { value: true });
exports.createGatewayApp = createGatewayApp;
const common_1 = require("@app/common");
const cors_1 = __importDefault(require("cors"));
const helmet_1 = __importDefault(require("helmet"));
const swagger_ui_express_1 = __importDefault(require("swagger-ui-express"));
const cache_middleware_1 = require("../cache/cache-middleware");
const cache_rules_1 = require("../cache/cache-rules");
const openapi_1 = require("../docs/openapi");
const forward_1 = require("../proxy/forward");
const identity_headers_1 = require("../proxy/identity-headers");
const upstreams_1 = require("../proxy/upstreams");
const authenticate_1 = require("./authenticate");
const public_paths_1 = require("./public-paths");
function createGatewayApp(parts) {
    const { config, logger, upstreams } = parts;
    const isPublic = (0, public_paths_1.publicPathMatcher)(config.PUBLIC_PATHS);
    const openapi = new openapi_1.OpenApiAggregator(upstreams, config.OPENAPI_CACHE_SECONDS * 1000, logger);
    const corsAll = config.CORS_ORIGINS.includes('*');
    return (0, common_1.createServiceApp)({
        service: 'gateway',
        logger,
        metrics: parts.metrics,
        dependencies: [
            common_1.dependency.redis(parts.redis),
            ...(config.REDIS_CACHE_URL !== config.REDIS_URL ? [common_1.dependency.redis(parts.cacheRedis, 'redis-cache')] : []),
            common_1.dependency.rabbitmq(parts.events),
            {
                name: 'auth-jwks',
                check: async () => {
                    if (!parts.jwks.hasKeys())
                        await parts.jwks.refresh();
                },
            },
        ],
        before: (app) => {
            app.set('trust proxy', parseTrustProxy(config.TRUST_PROXY));
            app.use((req, _res, next) => {
                const removed = (0, identity_headers_1.stripClientIdentity)(req.headers);
                if (removed.length > 0)
                    logger.warn({ removed }, 'client-sent identity headers removed');
                next();
            });
            app.use((0, helmet_1.default)({
                // Swagger UI needs inline styles; everything else stays locked to this origin.
                contentSecurityPolicy: {
                    directives: { 'style-src': ["'self'", "'unsafe-inline'"], 'img-src': ["'self'", 'data:'], 'upgrade-insecure-requests': null },
                },
            }));
            app.use((0, cors_1.default)({
                origin: corsAll ? '*' : config.CORS_ORIGINS,
                exposedHeaders: ['x-request-id', 'x-cache', 'etag', 'location', 'retry-after', 'age', 'preference-applied'],
                maxAge: 600,
            }));
        },
        routes: (app) => {
            app.use(bodyLimit(upstreams));
            app.get('/openapi.json', async (_req, res) => {
                res.json(await openapi.document());
            });
            app.use('/docs', swagger_ui_express_1.default.serve, swagger_ui_express_1.default.setup(undefined, {
                customSiteTitle: 'API gateway — docs',
                swaggerOptions: { url: '/openapi.json', persistAuthorization: true, displayRequestDuration: true },
            }));
            app.use((0, authenticate_1.authenticate)(isPublic, {
                jwks: parts.jwks,
                revocations: parts.revocations,
                algorithms: config.JWT_ALGORITHMS,
                issuer: config.JWT_ISSUER,
                audience: config.JWT_AUDIENCE,
                clockToleranceSeconds: config.JWT_CLOCK_TOLERANCE_SECONDS,
            }));
            app.use((0, cache_middleware_1.responseCache)({
                store: parts.store,
                rules: (0, cache_rules_1.parseCacheRules)(config.CACHE_ROUTES),
                upstreams,
                agents: parts.agents,
                secret: config.IDENTITY_SECRET,
                maxEntryBytes: config.CACHE_MAX_ENTRY_BYTES,
                lockWaitMs: config.CACHE_LOCK_WAIT_MS,
                logger,
                metrics: parts.metrics,
            }));
            for (const upstream of upstreams) {
                app.use((0, forward_1.forwardTo)(upstream, parts.agents.get(upstream.name), config.IDENTITY_SECRET, logger));
            }
        },
    });
}
/** Refuses a declared body over the route's limit before a byte of it is forwarded. */
function bodyLimit(upstreams) {
    return (req, _res, next) => {
        const declared = Number(req.headers['content-length'] ?? 0);
        if (!declared)
            return next();
        const upstream = upstreams.find((u) => (0, upstreams_1.ownsPath)(u, req.path));
        const limit = upstream?.bodyLimitBytes ?? 64 * 1024;
        if (declared > limit)
            return next(common_1.AppError.payloadTooLarge(`Request body is larger than ${limit} bytes`));
        next();
    };
}
function parseTrustProxy(value) {
    if (value === 'true')
        return true;
    if (value === 'false')
        return false;
    const hops = Number(value);
    return Number.isInteger(hops) ? hops : value;
}
//# sourceMappingURL=app.js.map
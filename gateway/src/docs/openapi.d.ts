import type { Logger } from '@app/common';
import type { Upstream } from '../proxy/upstreams';
type Json = Record<string, unknown>;
/**
 * One OpenAPI 3.1 document for the whole API: each service describes its own routes at
 * its `/openapi.json`, and the gateway merges them. Kept briefly so /docs does not fan
 * out to every service on each page load; a service that is down is left out, not fatal.
 */
export declare class OpenApiAggregator {
    private readonly upstreams;
    private readonly cacheMs;
    private readonly logger;
    private cached?;
    constructor(upstreams: Upstream[], cacheMs: number, logger: Logger);
    document(): Promise<Json>;
}
export {};

import type { Agent } from 'node:http';
import { type EventBus, type Logger, type Metrics } from '@app/common';
import { type Express } from 'express';
import type { Redis } from 'ioredis';
import type { JwksClient } from '../auth/jwks-client';
import type { RevocationList } from '../auth/revocation-list';
import type { ResponseStore } from '../cache/response-store';
import type { GatewayConfig } from '../config';
import { type Upstream } from '../proxy/upstreams';
export interface GatewayParts {
    config: GatewayConfig;
    logger: Logger;
    metrics: Metrics;
    redis: Redis;
    cacheRedis: Redis;
    events: EventBus;
    jwks: JwksClient;
    revocations: RevocationList;
    store: ResponseStore;
    upstreams: Upstream[];
    agents: Map<string, Agent>;
}
export declare function createGatewayApp(parts: GatewayParts): Express;

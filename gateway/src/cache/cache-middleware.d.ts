import type { Agent } from 'node:http';
import type { Logger, Metrics } from '@app/common';
import type { NextFunction, Request, Response } from 'express';
import { type Upstream } from '../proxy/upstreams';
import { type CacheRule } from './cache-rules';
import type { ResponseStore } from './response-store';
export interface CacheOptions {
    store: ResponseStore;
    rules: CacheRule[];
    upstreams: Upstream[];
    agents: Map<string, Agent>;
    secret: string;
    maxEntryBytes: number;
    lockWaitMs: number;
    logger: Logger;
    metrics: Metrics;
}
/**
 * The per-user response cache in front of the services. The key is built from the verified
 * user id, never from anything the client sent. Concurrent misses on one key share one
 * upstream call: in this process through a shared promise, across gateways through a lock.
 */
export declare function responseCache(options: CacheOptions): (req: Request, res: Response, next: NextFunction) => Promise<void>;

import { Agent } from 'node:http';
import type { ServerResponse } from 'node:http';
import { type Logger } from '@app/common';
import type { Request, RequestHandler } from 'express';
import { type Upstream } from './upstreams';
/** One keep-alive agent per upstream, shared by the proxy and the cache's upstream calls. */
export declare function keepAliveAgent(url: string): Agent;
/** Writes the JSON error for an upstream that refused, dropped or did not answer the request. */
export declare function upstreamFailure(res: ServerResponse, req: Request, upstream: Upstream, isTimeout: boolean): void;
/** Streams requests for `upstream`'s paths to it, bodies untouched, with the verified identity attached. */
export declare function forwardTo(upstream: Upstream, agent: Agent, secret: string, logger: Logger): RequestHandler;

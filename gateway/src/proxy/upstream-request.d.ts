import { type Agent, type IncomingHttpHeaders } from 'node:http';
export interface BufferedResponse {
    status: number;
    headers: IncomingHttpHeaders;
    body: Buffer;
}
export declare class UpstreamError extends Error {
    readonly timeout: boolean;
    constructor(timeout: boolean, message: string);
}
/** A bodiless request to a service, its answer read whole; used where the gateway must keep the answer. */
export declare function fetchUpstream(baseUrl: string, path: string, headers: Record<string, string | string[] | undefined>, agent: Agent, timeoutMs: number, maxBytes: number): Promise<BufferedResponse>;

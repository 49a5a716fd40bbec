import type { GatewayConfig } from '../config';
export interface Upstream {
    name: 'auth' | 'records' | 'qa';
    url: string;
    /** Path prefixes this service owns; the gateway forwards them unchanged. */
    prefixes: string[];
    timeoutMs: number;
    bodyLimitBytes: number;
}
export declare function upstreamsFrom(config: GatewayConfig): Upstream[];
export declare function ownsPath(upstream: Upstream, path: string): boolean;

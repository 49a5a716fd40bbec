import { type Logger } from '@app/common';
export interface RunningGateway {
    port: number;
    url: string;
    logger: Logger;
    stop(): Promise<void>;
}
export declare function start(overrides?: Record<string, string | undefined>): Promise<RunningGateway>;

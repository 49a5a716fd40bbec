export * from './client';
export * from './event-stream';
export * from './qa-job';

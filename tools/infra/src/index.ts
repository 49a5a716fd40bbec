/**
 * The native servers the stack and the tests run on (one module per server), and what they share:
 * the checkout's paths, free ports, Debian packages, child processes, the broker's users.
 */
export * from './paths';
export * from './ports';
export * from './processes';
export * from './debian';
export * from './broker-users';
export * from './redis';
export * from './rabbitmq';
export * from './ferretdb';
export * from './jaeger';

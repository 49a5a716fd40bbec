import express from 'express';
import { ConfigError } from '@app/common';
import { loadGatewayConfig } from '../src/config';

const base = {
  AUTH_URL: 'http://127.0.0.1:1',
  RECORDS_URL: 'http://127.0.0.1:2',
  QA_URL: 'http://127.0.0.1:3',
  REDIS_URL: 'redis://127.0.0.1:6379',
  AMQP_URL: 'amqp://127.0.0.1:5672',
  IDENTITY_SECRET: 'trust-proxy-tests-identity-secret-0123456789',
};

const trustProxy = (value?: string) => loadGatewayConfig({ ...base, TRUST_PROXY: value }).TRUST_PROXY;

/** The address express settles on for a request from `peer` carrying this X-Forwarded-For. */
function clientAddress(setting: number | string[], peer: string, forwardedFor: string): string | undefined {
  const app = express();
  app.set('trust proxy', setting);
  const req = Object.assign(Object.create(app.request), {
    app,
    headers: { 'x-forwarded-for': forwardedFor },
    socket: { remoteAddress: peer },
    connection: { remoteAddress: peer },
  });
  return req.ip;
}

describe('TRUST_PROXY', () => {
  it('when unset, then no proxy is believed: the socket address counts whatever X-Forwarded-For says', () => {
    expect(trustProxy(undefined)).toBe(0);
    expect(clientAddress(trustProxy(undefined), '203.0.113.9', '198.51.100.1')).toBe('203.0.113.9');
  });

  it('when a hop count, then that many proxies are believed and no more', () => {
    expect(trustProxy('1')).toBe(1);
    expect(clientAddress(1, '10.0.0.2', '198.51.100.7, 198.51.100.1')).toBe('198.51.100.1');
  });

  it('when CIDRs or addresses, then only those peers are believed', () => {
    const setting = trustProxy('10.0.0.0/8, fd00::/8,192.0.2.10');
    expect(setting).toEqual(['10.0.0.0/8', 'fd00::/8', '192.0.2.10']);
    expect(clientAddress(setting as string[], '10.1.2.3', '198.51.100.1')).toBe('198.51.100.1');
    expect(clientAddress(setting as string[], '203.0.113.9', '198.51.100.1')).toBe('203.0.113.9');
  });

  it.each(['true', 'false', 'loopback', '11', '-1', '10.0.0.0/33', 'example.com', ''])('when %p, then start fails with a ConfigError', (value) => {
    expect(() => trustProxy(value)).toThrow(ConfigError);
    try {
      trustProxy(value);
    } catch (err) {
      expect((err as Error).message).toMatch(/TRUST_PROXY/);
    }
  });
});

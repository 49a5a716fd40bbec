import { networkInterfaces } from 'node:os';
import { isListening } from '@app/infra';
import { registerAndLogin, useE2EStack } from '@app/testkit/e2e-stack';
import { bearer } from '@app/testkit/http';

const stack = useE2EStack();

/** This machine's first address that is not loopback, if it has one. */
function outwardAddress(): string | undefined {
  for (const list of Object.values(networkInterfaces())) {
    for (const entry of list ?? []) if (!entry.internal && entry.family === 'IPv4') return entry.address;
  }
  return undefined;
}

const reachable = (host: string, port: number) => isListening(port, host, 2000);

describe('what the native stack exposes', () => {
  it('when reached on a non-loopback address, then only the gateway answers; the services and the worker do not', async () => {
    const address = outwardAddress();
    // A machine with loopback only has nothing to reach around the gateway with.
    if (!address) return;
    expect(await reachable(address, stack.services.gateway.port)).toBe(true);
    for (const name of ['auth', 'records', 'qa', 'qa-worker'] as const) {
      expect(await reachable(address, stack.services[name].port)).toBe(false);
      expect(await reachable('127.0.0.1', stack.services[name].port)).toBe(true);
    }
  });

  it('when auth is called directly on loopback without the gateway, then login and register are refused', async () => {
    const direct = (path: string, body: unknown) =>
      fetch(`${stack.services.auth.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect((await direct('/auth/login', { username: 'anurag', password: 'password123' })).status).toBe(401);
    expect((await direct('/auth/register', { username: 'around_the_gateway', password: 'a-long-password' })).status).toBe(401);
  });

  it('when an account is deleted through the gateway, then the password in the body is required', async () => {
    const { token } = await registerAndLogin(stack.gatewayUrl, 'bye');
    const del = (body?: unknown) =>
      fetch(`${stack.gatewayUrl}/auth/me`, {
        method: 'DELETE',
        headers: { ...bearer(token), ...(body ? { 'content-type': 'application/json' } : {}) },
        body: body ? JSON.stringify(body) : undefined,
      });
    expect((await del()).status).toBe(400);
    expect((await del({ password: 'wrong-password' })).status).toBe(401);
    expect((await fetch(`${stack.gatewayUrl}/auth/me`, { headers: bearer(token) })).status).toBe(200);
  });
});

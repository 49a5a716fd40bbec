import { randomUUID } from 'node:crypto';

export interface Account {
  username: string;
  password: string;
  token: string;
}

/** Logs in through the gateway with the OAuth2 password form, as the seed's curl does; returns the access token. */
export async function login(gatewayUrl: string, username: string, password: string): Promise<string> {
  const response = await fetch(`${gatewayUrl}/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ username, password }).toString(),
  });
  if (response.status !== 200) throw new Error(`login failed: ${response.status} ${await response.text()}`);
  return ((await response.json()) as { access_token: string }).access_token;
}

/** A new account through the gateway, logged in: what the benches, the fuzzer and the end-to-end tests act as. */
export async function registerAndLogin(gatewayUrl: string, prefix = 'user'): Promise<Account> {
  const username = `${prefix}_${randomUUID().slice(0, 8)}`;
  const password = `pw-${randomUUID()}`;
  const response = await fetch(`${gatewayUrl}/auth/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  if (response.status !== 201) throw new Error(`register failed: ${response.status} ${await response.text()}`);
  return { username, password, token: await login(gatewayUrl, username, password) };
}

import { createHmac, timingSafeEqual } from 'node:crypto';

/** Headers the gateway sets after verifying a token; a service trusts them only with a valid signature. */
export const IDENTITY_HEADERS = {
  userId: 'x-user-id',
  userName: 'x-user-name',
  requestId: 'x-request-id',
  clientIp: 'x-client-ip',
  timestamp: 'x-identity-timestamp',
  signature: 'x-identity-signature',
} as const;

export interface Identity {
  /** Empty for a request on a public route that carries no token. */
  userId: string;
  userName: string;
  requestId: string;
  clientIp: string;
}

export interface SignedIdentityInput extends Identity {
  method: string;
  path: string;
}

function payload(input: SignedIdentityInput, timestamp: string): string {
  // JSON keeps field boundaries unambiguous whatever characters the values hold.
  return JSON.stringify(['v1', timestamp, input.method.toUpperCase(), input.path, input.userId, input.userName, input.requestId, input.clientIp]);
}

function sign(secret: string, data: string): string {
  return createHmac('sha256', secret).update(data).digest('base64url');
}

/** Produces the headers that carry a verified identity from the gateway to a service. */
export function signIdentity(secret: string, input: SignedIdentityInput, now = Date.now()): Record<string, string> {
  const timestamp = String(Math.floor(now / 1000));
  return {
    [IDENTITY_HEADERS.userId]: input.userId,
    [IDENTITY_HEADERS.userName]: input.userName,
    [IDENTITY_HEADERS.requestId]: input.requestId,
    [IDENTITY_HEADERS.clientIp]: input.clientIp,
    [IDENTITY_HEADERS.timestamp]: timestamp,
    [IDENTITY_HEADERS.signature]: sign(secret, payload(input, timestamp)),
  };
}

/**
 * The keys a service accepts a proof signed with: IDENTITY_SECRET, and IDENTITY_SECRET_PREVIOUS while a
 * rotation is under way (docs/operations.md), so gateways signing with either are believed.
 */
export type IdentityKeys = string | readonly string[];

/** The accepted keys from a service's validated configuration. */
export function identityKeys(config: { IDENTITY_SECRET: string; IDENTITY_SECRET_PREVIOUS?: string | undefined }): readonly string[] {
  return config.IDENTITY_SECRET_PREVIOUS ? [config.IDENTITY_SECRET, config.IDENTITY_SECRET_PREVIOUS] : [config.IDENTITY_SECRET];
}

export type IdentityCheck = { ok: true; identity: Identity } | { ok: false; reason: string };

/**
 * Checks the gateway's proof on an incoming request: present, signed with one of the shared
 * keys over this method and path, and fresh (so a captured set of headers soon expires).
 */
export function verifyIdentityProof(
  keys: IdentityKeys,
  method: string,
  path: string,
  headers: Record<string, string | string[] | undefined>,
  maxAgeSeconds = 30,
  now = Date.now(),
): IdentityCheck {
  const get = (name: string) => {
    const value = headers[name];
    return Array.isArray(value) ? undefined : value;
  };
  const userId = get(IDENTITY_HEADERS.userId);
  const userName = get(IDENTITY_HEADERS.userName);
  const requestId = get(IDENTITY_HEADERS.requestId) ?? '';
  const clientIp = get(IDENTITY_HEADERS.clientIp) ?? '';
  const timestamp = get(IDENTITY_HEADERS.timestamp);
  const signature = get(IDENTITY_HEADERS.signature);
  if (userId === undefined || userName === undefined || !timestamp || !signature) {
    return { ok: false, reason: 'missing identity proof' };
  }
  const seconds = Number(timestamp);
  if (!Number.isInteger(seconds) || Math.abs(now / 1000 - seconds) > maxAgeSeconds) {
    return { ok: false, reason: 'stale identity proof' };
  }
  const signed = payload({ method, path, userId, userName, requestId, clientIp }, timestamp);
  const given = Buffer.from(signature);
  const matches = (secret: string) => {
    const expected = Buffer.from(sign(secret, signed));
    return expected.length === given.length && timingSafeEqual(expected, given);
  };
  if (!(typeof keys === 'string' ? [keys] : keys).some(matches)) {
    return { ok: false, reason: 'invalid identity proof' };
  }
  return { ok: true, identity: { userId, userName, requestId, clientIp } };
}

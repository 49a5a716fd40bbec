import type { Request } from 'express';

/**
 * The client's address as the gateway vouched for it (every route that uses it requires the
 * gateway's proof); the socket's peer only if the gateway sent none. Unsigned headers never count.
 */
export function clientAddressOf(req: Request): string {
  const proven = req.identity?.clientIp;
  const address = proven || req.socket.remoteAddress || 'unknown';
  return address.startsWith('::ffff:') ? address.slice(7) : address;
}

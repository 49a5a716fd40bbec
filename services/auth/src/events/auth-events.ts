import type { EventBus } from '@app/common';

/** The events auth publishes; other services react to them (records and qa remove a deleted user's data). */
export interface AuthEvents {
  userRegistered(data: { userId: string; username: string }): Promise<void>;
  userDeleted(data: { userId: string; username: string }): Promise<void>;
  /** One access token revoked until its expiry (logout). */
  accessTokenRevoked(data: { jti: string; exp: number }): Promise<void>;
  /** Every access token of a user issued at or before `before` (unix seconds) revoked. */
  userTokensRevoked(data: { userId: string; before: number }): Promise<void>;
}

export function authEvents(bus: EventBus): AuthEvents {
  // EventBus keeps events in memory while the broker is away, so publishing never fails a request.
  const publish = async (key: string, data: unknown) => void (await bus.publish(key, data));
  return {
    userRegistered: (data) => publish('user.registered', data),
    userDeleted: (data) => publish('user.deleted', data),
    accessTokenRevoked: (data) => publish('token.revoked', data),
    userTokensRevoked: (data) => publish('token.revoked', data),
  };
}

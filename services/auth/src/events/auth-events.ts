import type { EventBus, EventData } from '@app/common';

/** The events auth publishes (their payloads are the contract in @app/common); records and qa remove a deleted user's data. */
export interface AuthEvents {
  userRegistered(data: EventData<'user.registered'>): Promise<void>;
  userDeleted(data: EventData<'user.deleted'>): Promise<void>;
  /** One access token revoked until its expiry (logout). */
  accessTokenRevoked(data: Extract<EventData<'token.revoked'>, { jti: string }>): Promise<void>;
  /** Every access token of a user issued at or before `before` (unix seconds) revoked. */
  userTokensRevoked(data: Extract<EventData<'token.revoked'>, { before: number }>): Promise<void>;
}

export function authEvents(bus: EventBus): AuthEvents {
  // EventBus keeps events in memory while the broker is away, so publishing never fails a request.
  return {
    userRegistered: async (data) => {
      await bus.publish('user.registered', data);
    },
    userDeleted: async (data) => {
      await bus.publish('user.deleted', data);
    },
    accessTokenRevoked: async (data) => {
      await bus.publish('token.revoked', data);
    },
    userTokensRevoked: async (data) => {
      await bus.publish('token.revoked', data);
    },
  };
}

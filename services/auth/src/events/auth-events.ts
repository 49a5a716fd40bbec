import type { EventBus } from '@app/common';
import type { AuthEvents } from '../domain/ports';

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

import type { EventOf, EventOutbox } from '@app/common';
import type { AuthEvents } from '../domain/ports';

/**
 * Auth's events go through its outbox, written right after the change they describe: a user
 * registered or deleted, or a token revoked, while the broker is away is published once it is back.
 */
export function authEvents(outbox: EventOutbox<EventOf<'auth'>>): AuthEvents {
  return {
    userRegistered: (data) => outbox.emit('user.registered', data),
    userDeleted: (data) => outbox.emit('user.deleted', data),
    accessTokenRevoked: (data) => outbox.emit('token.revoked', data),
    userTokensRevoked: (data) => outbox.emit('token.revoked', data),
  };
}

import type { EventData, EventOf, EventOutbox } from '@app/common';
import type { AuthEvents } from '../domain/ports';

type Revoked<Key extends string> = Extract<EventData<'token.revoked'>, Record<Key, unknown>>;

/**
 * Auth's events go through its outbox, written right after the change they describe: a user
 * registered or deleted, or a token revoked, while the broker is away is published once it is back.
 */
export class OutboxAuthEvents implements AuthEvents {
  constructor(private readonly outbox: EventOutbox<EventOf<'auth'>>) {}

  userRegistered(data: EventData<'user.registered'>): Promise<void> {
    return this.outbox.emit('user.registered', data);
  }

  userDeleted(data: EventData<'user.deleted'>): Promise<void> {
    return this.outbox.emit('user.deleted', data);
  }

  accessTokenRevoked(data: Revoked<'jti'>): Promise<void> {
    return this.outbox.emit('token.revoked', data);
  }

  userTokensRevoked(data: Revoked<'before'>): Promise<void> {
    return this.outbox.emit('token.revoked', data);
  }
}

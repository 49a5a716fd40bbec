import { AppError, withTimeout, type Logger } from '@app/common';
import type { AttemptStore, SlowDownPolicy } from './ports';
import { addressGroup } from './address-group';

export interface ThrottlePolicies {
  /** Per account, whatever the address: a run of failures makes each next attempt wait longer. */
  account: SlowDownPolicy;
  /** Per address (IPv6 by /64): many failures slow that address down; they never lock it out for long. */
  address: SlowDownPolicy;
  /** Registrations per address (each costs a password hash and a stored account). */
  registration: SlowDownPolicy;
}

export interface LoginAttempt {
  /** The password was right: the address gets its attempt back and the account's run of failures ends. */
  succeeded(): Promise<void>;
  /** The password was wrong: the attempt stays counted (nothing else to do; it was taken up front). */
  failed(): Promise<void>;
}

// A Redis that accepts connections but stalls must not stall logins with it.
const STORE_TIMEOUT_MS = 1000;

/**
 * Takes each attempt before the password is checked, atomically in the shared store, so that
 * concurrent requests can never get more checks than the limits allow; a success gives its
 * attempt back. When the shared store is away, each instance counts in its own memory instead.
 */
export class LoginThrottle {
  private lastWarning = 0;

  constructor(
    private readonly shared: AttemptStore,
    private readonly local: AttemptStore,
    private readonly sharedReady: () => boolean,
    private readonly logger: Logger,
    private readonly keyPrefix: string,
    private readonly policies: ThrottlePolicies,
  ) {}

  /** Takes one attempt for this address and account, or refuses with 429 and the wait in Retry-After. */
  async beginLogin(normalisedUsername: string, clientIp: string): Promise<LoginAttempt> {
    const addressKey = `${this.keyPrefix}:addr:${addressGroup(clientIp)}`;
    const accountKey = `${this.keyPrefix}:acct:${normalisedUsername}`;
    const store = this.store();
    const byAddress = await this.take(store, addressKey, this.policies.address);
    if (!byAddress.allowed) throw tooMany(byAddress.retryAfterMs);
    const byAccount = await this.take(store, accountKey, this.policies.account);
    if (!byAccount.allowed) {
      // Nothing was checked for this address, so it keeps its attempt.
      await this.quietly(() => store.giveBack(addressKey, this.policies.address));
      throw tooMany(byAccount.retryAfterMs);
    }
    return {
      succeeded: async () => {
        await Promise.all([this.quietly(() => store.giveBack(addressKey, this.policies.address)), this.quietly(() => store.reset(accountKey))]);
      },
      failed: async () => undefined,
    };
  }

  /** Takes one registration for this address, or refuses with 429. */
  async beginRegistration(clientIp: string): Promise<void> {
    const result = await this.take(this.store(), `${this.keyPrefix}:register:${addressGroup(clientIp)}`, this.policies.registration);
    if (!result.allowed) throw tooMany(result.retryAfterMs, 'Too many registrations from this address; try again later');
  }

  private store(): AttemptStore {
    if (this.sharedReady()) return this.shared;
    const now = Date.now();
    if (now - this.lastWarning > 60_000) {
      this.lastWarning = now;
      this.logger.warn('redis unavailable; login and registration attempts are counted per instance in memory');
    }
    return this.local;
  }

  private async take(store: AttemptStore, key: string, policy: SlowDownPolicy) {
    if (store === this.local) return this.local.take(key, policy);
    try {
      return await withTimeout(store.take(key, policy), STORE_TIMEOUT_MS, 'login throttle');
    } catch (err) {
      this.logger.warn({ err: String(err) }, 'login throttle store failed; counting in memory');
      return this.local.take(key, policy);
    }
  }

  private async quietly(run: () => Promise<void>): Promise<void> {
    try {
      await withTimeout(run(), STORE_TIMEOUT_MS, 'login throttle');
    } catch (err) {
      this.logger.warn({ err: String(err) }, 'login throttle could not give an attempt back');
    }
  }
}

function tooMany(retryAfterMs: number, message = 'Too many login attempts; try again later'): AppError {
  return AppError.tooManyRequests(retryAfterMs / 1000, message);
}

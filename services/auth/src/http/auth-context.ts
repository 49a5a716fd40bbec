import type { Accounts } from '../domain/accounts';
import type { ClientRegistry } from '../domain/clients';
import type { ScopePolicy } from '../domain/scopes';
import type { Sessions } from '../domain/sessions';
import type { KeyRing } from '../domain/signing-keys';

/** What the auth operations work with. */
export interface AuthContext {
  /** The gateway's public origin: the tokens' `iss` and the base of the OAuth 2.0 endpoints' URLs. */
  issuer: string;
  accounts: Accounts;
  sessions: Sessions;
  clients: ClientRegistry;
  scopes: ScopePolicy;
  keys: KeyRing;
}

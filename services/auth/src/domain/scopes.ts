import { AppError } from '@app/common';
import { SCOPE_TOKEN } from './clients';

/**
 * The scopes a token may carry. The gateway gives every valid token the user's own access, so a scope
 * names what a client asked for and a resource server may check; nothing is granted beyond the user.
 */
export class ScopePolicy {
  private readonly known: Set<string>;
  private readonly all: string;

  constructor(readonly supported: readonly string[]) {
    this.known = new Set(supported);
    this.all = supported.join(' ');
  }

  /**
   * The scope to grant for `requested` (RFC 6749 section 3.3, space-separated): every supported scope
   * when none was asked for, else exactly what was asked, if each is known and within `ceiling`
   * (a refresh may narrow the original grant, never widen it: section 6).
   */
  grant(requested: string | undefined, ceiling: string = this.all): string {
    if (requested === undefined || requested.trim() === '') return ceiling;
    const allowed = new Set(ceiling.split(' '));
    const asked = [...new Set(requested.split(' ').filter(Boolean))];
    for (const scope of asked) {
      if (!SCOPE_TOKEN.test(scope)) throw AppError.oauth('invalid_scope', 'The scope is malformed');
      if (!this.known.has(scope)) throw AppError.oauth('invalid_scope', `Unknown scope ${scope}; supported: ${this.all}`);
      if (!allowed.has(scope)) throw AppError.oauth('invalid_scope', `The scope ${scope} exceeds what was originally granted`);
    }
    return asked.join(' ');
  }
}

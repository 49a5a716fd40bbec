import { AppError } from '@app/common';
import { SCOPE_TOKEN } from './clients';

/**
 * The scopes a token may carry. The gateway gives every valid token the user's own access, so a scope
 * names what a client asked for and a resource server may check; nothing is granted beyond the user.
 */
export function scopePolicy(supported: readonly string[]) {
  const known = new Set(supported);
  const all = supported.join(' ');

  return {
    supported,

    /**
     * The scope to grant for `requested` (RFC 6749 section 3.3, space-separated): every supported scope
     * when none was asked for, else exactly what was asked, if each is known and within `ceiling`
     * (a refresh may narrow the original grant, never widen it: section 6).
     */
    grant(requested: string | undefined, ceiling: string = all): string {
      if (requested === undefined || requested.trim() === '') return ceiling;
      const allowed = new Set(ceiling.split(' '));
      const asked = [...new Set(requested.split(' ').filter(Boolean))];
      for (const scope of asked) {
        if (!SCOPE_TOKEN.test(scope)) throw AppError.oauth('invalid_scope', 'The scope is malformed');
        if (!known.has(scope)) throw AppError.oauth('invalid_scope', `Unknown scope ${scope}; supported: ${all}`);
        if (!allowed.has(scope)) throw AppError.oauth('invalid_scope', `The scope ${scope} exceeds what was originally granted`);
      }
      return asked.join(' ');
    },
  };
}

export type ScopePolicy = ReturnType<typeof scopePolicy>;

import { createHash, timingSafeEqual } from 'node:crypto';
import { AppError } from '@app/common';

/** RFC 6749 section 3.3's scope-token: printable ASCII but space, `"` and `\`. */
export const SCOPE_TOKEN = /^[\x21\x23-\x5b\x5d-\x7e]+$/;

/** The client_id of a public client that named none (the seed's curl, the CLI, Swagger UI). */
export const DEFAULT_CLIENT_ID = 'public';

/** The realm of the Basic challenge sent back to a client whose Basic credentials failed. */
export const CLIENT_REALM = 'oauth-clients';

/** A client configured with a secret: a confidential client, or a resource server that may introspect. */
export interface OAuthClient {
  id: string;
  secret: string;
  introspect: boolean;
}

/** How a request presented its client (RFC 6749 section 2.3.1): HTTP Basic, the body's client_secret, or a client_id alone. */
export interface ClientCredentials {
  method: 'client_secret_basic' | 'client_secret_post' | 'none';
  clientId?: string;
  secret?: string;
}

export interface AuthenticatedClient {
  id: string;
  confidential: boolean;
  /** May call the introspection endpoint. */
  introspect: boolean;
}

const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();

/**
 * The configured clients. A configured client must prove its secret; any other client_id is a public
 * client (RFC 6749 section 2.1), which cannot keep a secret and so is identified but not authenticated.
 */
export class ClientRegistry {
  // Compared as digests: equal lengths for timingSafeEqual, whatever was sent.
  private readonly byId: Map<string, OAuthClient & { secretDigest: Buffer }>;

  constructor(clients: readonly OAuthClient[]) {
    this.byId = new Map(clients.map((c) => [c.id, { ...c, secretDigest: digest(c.secret) }]));
  }

  /** The client a request speaks for; `invalid_client` (401) when a secret is missing or wrong. */
  authenticate(credentials: ClientCredentials): AuthenticatedClient {
    const fail = (description: string) =>
      AppError.oauth('invalid_client', description, credentials.method === 'client_secret_basic' ? { basicRealm: CLIENT_REALM } : {});
    const id = credentials.clientId ?? DEFAULT_CLIENT_ID;
    const known = this.byId.get(id);
    if (!known) {
      // A secret for a client nobody configured cannot be checked: refusing it beats ignoring it.
      if (credentials.secret !== undefined) throw fail('Client authentication failed');
      return { id, confidential: false, introspect: false };
    }
    if (credentials.secret === undefined) throw fail(`Client ${id} must authenticate (client_secret_basic or client_secret_post)`);
    if (!timingSafeEqual(digest(credentials.secret), known.secretDigest)) throw fail('Client authentication failed');
    return { id, confidential: true, introspect: known.introspect };
  }
}

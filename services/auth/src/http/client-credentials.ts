import type { Request } from 'express';
import { AppError } from '@app/common';
import type { ClientCredentials } from '../domain/clients';

const BASIC = /^Basic[ ]+([A-Za-z0-9+/]+={0,2})[ ]*$/i;

// RFC 6749 section 2.3.1: id and secret are form-encoded before they are joined for Basic.
function formDecoded(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    throw AppError.oauth('invalid_request', 'The Basic credentials are not form-encoded');
  }
}

/**
 * How the request presents its client: HTTP Basic (client_secret_basic), client_id and client_secret
 * in the body (client_secret_post), or client_id alone (a public client). Using two methods at once,
 * or naming two different clients, is refused (RFC 6749 section 2.3).
 */
export function clientCredentialsOf(req: Request, fields: { client_id?: string; client_secret?: string }): ClientCredentials {
  const header = req.headers.authorization;
  if (header !== undefined && /^Basic\b/i.test(header)) {
    const match = BASIC.exec(header);
    const decoded = match ? Buffer.from(match[1]!, 'base64').toString('utf8') : '';
    const colon = decoded.indexOf(':');
    if (colon < 0) throw AppError.oauth('invalid_request', 'The Authorization header is not Basic base64(client_id:client_secret)');
    // Swagger UI sends `Basic base64(":")` when no client is configured: no client at all (section 3.1).
    if (decoded === ':') return clientFieldsOnly(fields);
    const clientId = formDecoded(decoded.slice(0, colon));
    if (clientId === '') throw AppError.oauth('invalid_request', 'The Basic credentials name no client_id');
    if (fields.client_secret !== undefined)
      throw AppError.oauth('invalid_request', 'Use one client authentication method, not Basic and client_secret both');
    if (fields.client_id !== undefined && fields.client_id !== clientId) {
      throw AppError.oauth('invalid_request', 'client_id differs from the client of the Authorization header');
    }
    const secret = formDecoded(decoded.slice(colon + 1));
    // A public client named in Basic with an empty password (requests-oauthlib's default) sends no secret (section 3.1).
    return { method: 'client_secret_basic', clientId, ...(secret === '' ? {} : { secret }) };
  }
  return clientFieldsOnly(fields);
}

function clientFieldsOnly(fields: { client_id?: string; client_secret?: string }): ClientCredentials {
  if (fields.client_secret !== undefined) {
    if (fields.client_id === undefined) throw AppError.oauth('invalid_request', 'client_secret was sent without client_id');
    return { method: 'client_secret_post', clientId: fields.client_id, secret: fields.client_secret };
  }
  return { method: 'none', ...(fields.client_id === undefined ? {} : { clientId: fields.client_id }) };
}

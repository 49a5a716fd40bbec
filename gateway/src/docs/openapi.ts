import type { Logger } from '@app/common';
import type { RouteTable, Upstream } from '../routes/route-table';

type Json = Record<string, unknown>;

interface OpenApiFragment {
  paths?: Record<string, Json>;
  components?: Record<string, Record<string, unknown>>;
  tags?: Json[];
}

const GATEWAY_PATHS: Record<string, Json> = {
  '/health': {
    get: {
      tags: ['platform'],
      summary: 'The gateway is alive',
      security: [],
      responses: { '200': { description: 'Alive' } },
    },
  },
  '/ready': {
    get: {
      tags: ['platform'],
      summary: "The gateway's dependencies (Redis, RabbitMQ, the auth service's keys) are reachable",
      security: [],
      responses: { '200': { description: 'Ready' }, '503': { description: 'A dependency is down; the body names it' } },
    },
  },
};

/**
 * One OpenAPI 3.1 document for the whole API: each service describes its own routes at
 * its `/openapi.json`, and the gateway merges them. Kept briefly so /docs does not fan
 * out to every service on each page load; a service that is down is left out, not fatal.
 */
export class OpenApiAggregator {
  private cached?: { at: number; doc: Json };

  constructor(
    private readonly routes: RouteTable,
    private readonly cacheMs: number,
    private readonly logger: Logger,
  ) {}

  async document(): Promise<Json> {
    if (this.cached && Date.now() - this.cached.at < this.cacheMs) return this.cached.doc;
    const fragments = await Promise.all(
      this.routes.upstreams.map(async (upstream) => {
        try {
          const response = await fetch(`${upstream.origin}/openapi.json`, { signal: AbortSignal.timeout(2000) });
          if (!response.ok) throw new Error(`status ${response.status}`);
          return { upstream, fragment: this.routedOnly(upstream, (await response.json()) as OpenApiFragment) };
        } catch (err) {
          this.logger.warn({ upstream: upstream.name, err: String(err) }, 'openapi fragment unavailable');
          return { upstream, fragment: undefined };
        }
      }),
    );
    const doc = merge(fragments.map((f) => f.fragment).filter((f): f is OpenApiFragment => f !== undefined));
    const missing = fragments.filter((f) => !f.fragment).map((f) => f.upstream.name);
    if (missing.length === 0) this.cached = { at: Date.now(), doc };
    else (doc.info as { description: string }).description += `\n\n**Not listed now (service unavailable):** ${missing.join(', ')}.`;
    return doc;
  }

  /**
   * Keeps the paths the route table sends to this upstream, so the document never shows a
   * path the gateway would not route there; public routes are marked as needing no token.
   */
  private routedOnly(upstream: Upstream, fragment: OpenApiFragment): OpenApiFragment {
    const paths: Record<string, Json> = {};
    for (const [path, item] of Object.entries(fragment.paths ?? {})) {
      const route = this.routes.match(path);
      if (route?.upstream !== upstream) continue;
      if (!route.public) paths[path] = item;
      else
        paths[path] = Object.fromEntries(
          Object.entries(item).map(([method, op]) => [method, op && typeof op === 'object' ? { security: [], ...op } : op]),
        );
    }
    return { ...fragment, paths };
  }
}

/** The one document for the whole API, from the services' documents (also used offline, without the services). */
export function merge(fragments: OpenApiFragment[]): Json {
  const paths: Record<string, Json> = { ...GATEWAY_PATHS };
  const components: Record<string, Record<string, unknown>> = {
    securitySchemes: {
      OAuth2PasswordBearer: {
        type: 'oauth2',
        description: 'Log in with a username and password; the token is sent as `Authorization: Bearer`.',
        flows: { password: { tokenUrl: '/auth/login', refreshUrl: '/auth/refresh', scopes: {} } },
      },
    },
  };
  const tags: Json[] = [];
  for (const fragment of fragments) {
    Object.assign(paths, fragment.paths ?? {});
    for (const [section, entries] of Object.entries(fragment.components ?? {})) {
      // The gateway's own entries (its security scheme, with the refresh URL) win over a service's copy.
      components[section] = { ...entries, ...(components[section] ?? {}) };
    }
    tags.push(...(fragment.tags ?? []));
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'API gateway',
      version: '0.1.0',
      description:
        'One URL for every service. Every path but the public ones (login, register, the OAuth 2.0 token, revocation and introspection endpoints, their metadata at `/.well-known/oauth-authorization-server`, JWKS, health, docs) needs a bearer token: use **Authorize** with a username and password (the development user is `anurag` / `password123`). ' +
        "The OAuth 2.0 endpoints answer their errors in the protocol's body (`OAuthError`); everything else in the project's (`Error`).",
    },
    servers: [{ url: '/' }],
    tags,
    security: [{ OAuth2PasswordBearer: [] }],
    paths,
    components,
  };
}

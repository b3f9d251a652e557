import type { Actor } from '../domain/actors.ts';

/**
 * What our middleware keeps on `ctx.state`, declared once for every Koa context (the app's, the
 * routers', oidc-provider's), so no step reads it through a cast. Each field says who sets it.
 */
declare module 'koa' {
  interface DefaultState {
    /** authenticate.ts: who makes this /v2 request; rate-limit.ts adds the request's meter. */
    actor?: Actor;
    /** rate-limit.ts: the request was charged to an owner (refusal-throttle.ts counts only the others). */
    charged?: boolean;
    /** request-log.ts: the request's id (X-Request-Id). */
    requestId?: string;
    /** oauth/token-request.ts: the grant type as the client sent it, before our rewrite. */
    grantType?: string | string[];
    /** database-unavailable.ts: oidc-provider swallowed a database outage in this request. */
    databaseUnavailable?: unknown;
  }
}

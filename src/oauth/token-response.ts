import type { Context, Next } from 'koa';
import { oauthRoutes } from './endpoints.ts';

/**
 * Completes successful token responses with what clients of the product we replace read:
 * `expires` (epoch seconds) and `identifier` (the grant: `client_credentials` or `implicit`),
 * then tells `onIssued` which client got a token.
 */
export function completeTokenResponse(onIssued: (clientId: string, grant: string) => void) {
  return async function completeTokenResponseMiddleware(ctx: Context, next: Next): Promise<void> {
    await next();
    if (ctx.path !== oauthRoutes.token || ctx.status !== 200) return;
    const body = ctx.body as { access_token?: string; expires_in?: number } | undefined;
    const grant = ctx.state.grantType;
    if (!body?.access_token || (grant !== 'client_credentials' && grant !== 'implicit')) return;
    ctx.body = {
      ...body,
      expires: Math.floor(Date.now() / 1000) + (body.expires_in ?? 0),
      identifier: grant,
    };
    const clientId = (ctx as { oidc?: { client?: { clientId?: string } } }).oidc?.client?.clientId;
    if (clientId) onIssued(clientId, grant);
  };
}

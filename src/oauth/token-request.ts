import * as querystring from 'node:querystring';
import type { Context, Next } from 'koa';
import { readForm } from '../http/form-body.ts';
import { ADMIN_SCOPE, IMPLICIT_GRANT, STOREFRONT_SCOPE } from './client-metadata.ts';

const LIMIT = 56 * 1024; // oidc-provider's own limit for form bodies

/**
 * Rewrites token requests before oidc-provider reads them: `grant_type=implicit` becomes our
 * registered grant (with scope `storefront`), and a client_credentials request without a scope
 * asks for `admin`, which the key's resource indicator expands to all of its scopes (token-scopes.ts). The original grant is kept in `ctx.state.grantType` for the response.
 * oidc-provider then reads the rewritten form from `ctx.request.body`.
 */
export async function translateTokenRequest(ctx: Context, next: Next): Promise<void> {
  if (ctx.method !== 'POST' || ctx.path !== '/token' || !ctx.is('application/x-www-form-urlencoded'))
    return next();
  const form = await readForm(ctx, LIMIT);
  if (!form) {
    ctx.status = 413;
    ctx.body = { error: 'invalid_request', error_description: 'request entity too large' };
    return;
  }
  ctx.state.grantType = form.grant_type;
  ctx.state.formClientId = typeof form.client_id === 'string' ? form.client_id : undefined;
  if (form.grant_type === 'implicit') {
    form.grant_type = IMPLICIT_GRANT;
    form.scope ??= STOREFRONT_SCOPE;
  } else if (form.grant_type === 'client_credentials') {
    form.scope ??= ADMIN_SCOPE;
  }
  (ctx.request as { body?: unknown }).body = querystring.stringify(form);
  await next();
}

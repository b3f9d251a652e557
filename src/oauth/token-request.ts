import * as querystring from 'node:querystring';
import type { Context, Next } from 'koa';
import { oauthRoutes } from './endpoints.ts';
import { readForm } from '../http/form-body.ts';
import { ADMIN_SCOPE, IMPLICIT_GRANT, STOREFRONT_SCOPE } from './client-metadata.ts';

const LIMIT = 56 * 1024; // oidc-provider's own limit for form bodies

/**
 * The body oidc-provider reads instead of `text` (the form `form` as sent), or `text` itself when
 * nothing changes: `grant_type=implicit` becomes our registered grant (scope `storefront` unless
 * sent), and a client_credentials request without a scope asks for `admin`. The scope goes in
 * front of the client's bytes, left as they are (querystring reads the first 1000 fields only,
 * and so does oidc-provider); only the implicit grant's form is written anew.
 */
function translatedBody(form: querystring.ParsedUrlQuery, text: string): string {
  if (form.grant_type === 'implicit')
    return querystring.stringify({
      ...form,
      grant_type: IMPLICIT_GRANT,
      scope: form.scope ?? STOREFRONT_SCOPE,
    });
  if (form.grant_type === 'client_credentials' && form.scope === undefined)
    return `scope=${ADMIN_SCOPE}&${text}`;
  return text;
}

/**
 * Rewrites token requests before oidc-provider reads them: `grant_type=implicit` becomes our
 * registered grant (with scope `storefront`), and a client_credentials request without a scope
 * asks for `admin`, which the key's resource indicator expands to all of its scopes
 * (token-scopes.ts). The original grant is kept in `ctx.state.grantType` for the response. The
 * form is the one `strictFormBody` already read and parsed (`readForm` reads a body once);
 * oidc-provider then parses the text of `ctx.request.body`, as it must (it takes no parsed form:
 * given an object, it serialises and parses it again).
 */
export async function translateTokenRequest(ctx: Context, next: Next): Promise<void> {
  if (ctx.method !== 'POST' || ctx.path !== oauthRoutes.token || !ctx.is('application/x-www-form-urlencoded'))
    return next();
  const form = await readForm(ctx, LIMIT);
  if (!form) {
    ctx.status = 413;
    ctx.body = { error: 'invalid_request', error_description: 'request entity too large' };
    return;
  }
  ctx.state.grantType = form.grant_type;
  const request = ctx.request as { body?: unknown };
  request.body = translatedBody(form, request.body as string);
  await next();
}

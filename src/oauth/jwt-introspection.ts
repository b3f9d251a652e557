import * as querystring from 'node:querystring';
import type { Context, Next } from 'koa';
import { readForm } from '../http/form-body.ts';
import { oauthRoutes } from './endpoints.ts';
import { looksLikeJwt } from './jwt-access-tokens.ts';
import { INTROSPECTED_JWT_PREFIX } from './jwt-token-adapter.ts';

const LIMIT = 56 * 1024; // oidc-provider's own limit for form bodies

/**
 * Lets oidc-provider's introspection endpoint answer for JWT access tokens (RFC 9068) as for
 * opaque ones: it refuses any token that decodes as a JWT (`unsupported_token_type`) before
 * looking it up, so a JWT `token` is handed to it under a prefix that does not decode, and its
 * lookup reaches our adapter, which verifies the JWT (jwt-token-adapter.ts). Client
 * authentication, the introspection policy (key still exists, caller's reach) and the response
 * stay oidc-provider's. Revocation is left alone: JWTs cannot be revoked (README, "JWT access tokens").
 */
export async function introspectJwtAccessTokens(ctx: Context, next: Next): Promise<void> {
  if (
    ctx.method !== 'POST' ||
    ctx.path !== oauthRoutes.introspection ||
    !ctx.is('application/x-www-form-urlencoded')
  )
    return next();
  const form = await readForm(ctx, LIMIT); // strictFormBody has read and checked it already
  if (form && typeof form.token === 'string' && looksLikeJwt(form.token)) {
    // a copy: the parse readForm keeps is the form as the client sent it
    const handed = { ...form, token: `${INTROSPECTED_JWT_PREFIX}${form.token}` };
    (ctx.request as { body?: unknown }).body = querystring.stringify(handed);
  }
  await next();
}

import type { Context, Next } from 'koa';
import { AppError } from '../../errors.ts';
import { readForm } from '../form-body.ts';

const LIMIT = 56 * 1024; // oidc-provider's own limit for form bodies

/**
 * Reads the form body of every POST that reaches oidc-provider (/token, introspection,
 * revocation, ...) before it does, strictly: a body, name or value that is not UTF-8 answers 400
 * `invalid_request` instead of reaching the provider with U+FFFD in place of the bytes. This is
 * the one read of the body: later steps get its parse from `readForm`/`sentForm` (the token-request
 * rewrite, the failed-authentication throttle's client id), and the provider parses the text from
 * `ctx.request.body`.
 */
export async function strictFormBody(ctx: Context, next: Next): Promise<void> {
  if (ctx.method !== 'POST' || !ctx.is('application/x-www-form-urlencoded')) return next();
  try {
    if (!(await readForm(ctx, LIMIT))) {
      ctx.status = 413;
      ctx.set('Connection', 'close'); // the rest of the body is left unread
      ctx.body = { error: 'invalid_request', error_description: 'request entity too large' };
      return;
    }
  } catch (error) {
    if (!(error instanceof AppError)) throw error;
    ctx.status = error.status;
    ctx.body = { error: 'invalid_request', error_description: error.message };
    return;
  }
  await next();
}

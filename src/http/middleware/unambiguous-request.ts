import type { Context, Next } from 'koa';
import { AppError } from '../../errors.ts';
import { presentError } from '../../resources/errors.ts';

const adminPath = /^\/v2(\/|$)/i;
/** Headers our code and oidc-provider read once: Node keeps the first line and drops the others. */
const singleHeaders = ['authorization', 'content-type'] as const;

function refusal(ctx: Context): AppError | undefined {
  const distinct = ctx.req.headersDistinct;
  const repeated = singleHeaders.find((name) => (distinct[name]?.length ?? 0) > 1);
  if (repeated) return new AppError('bad_request', `The ${repeated} header is sent more than once.`);
  const encoding = ctx.get('content-encoding').trim().toLowerCase();
  if (encoding && encoding !== 'identity')
    return new AppError(
      'unsupported_media_type',
      `Content-Encoding ${encoding} is not supported: send the body as it is.`,
    );
  return undefined;
}

/**
 * Refuses requests that two readers could read differently, before anything reads them: a
 * repeated Authorization or Content-Type line (Node keeps the first, a proxy in front may act on
 * the last), and a body declared compressed (no reader here decompresses: the compressed bytes
 * would be parsed as the form or JSON itself). Answers in the body of the API the path is under:
 * `{"errors": [...]}` under /v2, an OAuth error elsewhere.
 */
export async function unambiguousRequest(ctx: Context, next: Next): Promise<void> {
  const error = refusal(ctx);
  if (!error) return next();
  ctx.status = error.status;
  ctx.body = adminPath.test(ctx.path)
    ? presentError(error)
    : { error: 'invalid_request', error_description: error.message };
}

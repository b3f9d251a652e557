import type { Configuration } from 'oidc-provider';

/** Errors of browser-facing endpoints as JSON, never as an HTML page echoing request input. */
export const renderError: NonNullable<Configuration['renderError']> = (ctx, out) => {
  ctx.type = 'application/json';
  ctx.body = { error: out.error, error_description: out.error_description };
};

import type { Configuration } from 'oidc-provider';
import { clientInfo } from './client-metadata.ts';
import { CONSOLE_CLIENT_ID } from './console-client.ts';

/** How and when the person behind a console token signed in: what the admin API's 2FA rules check. */
export type SignInClaims = { amr?: string[]; auth_time?: number };

/**
 * Claims stored with every token, and returned by introspection. A key's tokens: the key and its
 * owner. A person's (console) tokens: `amr` and `auth_time` of the sign-in behind the
 * authorization code, since oidc-provider keeps them only in ID tokens.
 */
export const extraTokenClaims: NonNullable<Configuration['extraTokenClaims']> = (ctx, token) => {
  if (token.clientId === CONSOLE_CLIENT_ID) {
    const code = ctx.oidc.entities.AuthorizationCode as { amr?: string[]; authTime?: number } | undefined;
    return { amr: code?.amr ?? [], auth_time: code?.authTime } satisfies SignInClaims;
  }
  const info = clientInfo(ctx.oidc.client);
  if (info?.kind !== 'application_key') return undefined;
  return {
    application_key_id: info.key_id,
    [info.owner.type === 'store' ? 'store_id' : 'organization_id']: info.owner.id,
  };
};

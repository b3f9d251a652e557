import type { Configuration } from 'oidc-provider';
import { clientInfo } from './client-metadata.ts';

/** Claims stored with every token of a key, and returned by introspection: the key and its owner. */
export const extraTokenClaims: NonNullable<Configuration['extraTokenClaims']> = (ctx) => {
  const info = clientInfo(ctx.oidc.client);
  if (info?.kind !== 'application_key') return undefined;
  return {
    application_key_id: info.key_id,
    [info.owner.type === 'store' ? 'store_id' : 'organization_id']: info.owner.id,
  };
};

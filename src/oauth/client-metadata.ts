import type { Client, ClientMetadata } from 'oidc-provider';
import { isAdminScope } from '../domain/scopes.ts';
import type { ApplicationKey, OwnerRef, ResourceServer, TokenFormat } from '../domain/types.ts';

/** oidc-provider refuses the literal grant name `implicit`; requests are translated to this one. */
export const IMPLICIT_GRANT = 'urn:appkeys:params:oauth:grant-type:implicit';
export const ADMIN_SCOPE = 'admin';
export const STOREFRONT_SCOPE = 'storefront';

/** What our extra client metadata property `appkeys` records about the client. */
export type ClientInfo =
  | {
      kind: 'application_key';
      key_id: string;
      owner: OwnerRef;
      organization_id: string;
      allowed_origins: string[];
      /** The key's scopes, admin and resource (see token-scopes.ts). */
      scopes: string[];
      /** The format of the tokens it mints (jwt-access-tokens.ts). */
      token_format: TokenFormat;
    }
  | { kind: 'resource_server'; id: string };

export const EXTRA_METADATA = 'appkeys';

/**
 * A key as an OAuth client. Confidentially (client id + secret) it may use client_credentials
 * with its scopes: its admin scopes are the client's `scope` metadata (oidc-provider refuses others
 * with invalid_scope), and its resource scopes, which oidc-provider cannot know statically, are
 * checked by the key's resource server (token-scopes.ts). Publicly (client id only) it may use just
 * the implicit grant with `storefront`, whatever its scopes.
 * oidc-provider gives a client one authentication method, so the client adapter picks the variant
 * by the grant of the request at hand.
 */
export function keyClientMetadata(key: ApplicationKey, variant: 'confidential' | 'public'): ClientMetadata {
  const info: ClientInfo = {
    kind: 'application_key',
    key_id: key.id,
    owner: key.owner,
    organization_id: key.organizationId,
    allowed_origins: key.allowedOrigins,
    scopes: key.scopes,
    token_format: key.tokenFormat,
  };
  const adminScopes = key.scopes.filter(isAdminScope);
  const common = { client_id: key.clientId, redirect_uris: [], response_types: [], [EXTRA_METADATA]: info };
  return variant === 'confidential'
    ? {
        ...common,
        client_secret: key.secretHash,
        grant_types: ['client_credentials'],
        token_endpoint_auth_method: 'client_secret_basic',
        // `admin` (compatibility) stands for all of the key's scopes and is expanded before the grant
        scope: [ADMIN_SCOPE, ...adminScopes].join(' '),
      }
    : {
        ...common,
        grant_types: [IMPLICIT_GRANT],
        token_endpoint_auth_method: 'none',
        scope: STOREFRONT_SCOPE,
      };
}

/** A resource server authenticates (to introspect) and obtains no tokens. */
export function resourceServerMetadata(server: ResourceServer): ClientMetadata {
  const info: ClientInfo = { kind: 'resource_server', id: server.id };
  return {
    client_id: server.clientId,
    client_secret: server.secretHash,
    redirect_uris: [],
    response_types: [],
    grant_types: [],
    token_endpoint_auth_method: 'client_secret_basic',
    [EXTRA_METADATA]: info,
  };
}

export function clientInfo(client: Client | undefined): ClientInfo | undefined {
  return (client as unknown as Record<string, ClientInfo | undefined> | undefined)?.[EXTRA_METADATA];
}

import { errors, type Configuration, type KoaContextWithOIDC } from 'oidc-provider';
import { ADMIN_SCOPE, clientInfo } from './client-metadata.ts';
import { accessTokenFormat } from './jwt-access-tokens.ts';

/**
 * The resource indicator (RFC 8707) of every application key's client_credentials token: "what
 * this key may do", i.e. the admin API and the resource servers registered with appkeys. Keys need
 * not send it; it is their default resource.
 */
export const KEY_RESOURCE = 'urn:appkeys:application-key';

type ResourceIndicators = NonNullable<NonNullable<Configuration['features']>['resourceIndicators']>;

/**
 * Which scopes a key's token gets, through oidc-provider's resource indicators: the key is a
 * resource server whose scopes are the key's own, so oidc-provider grants the requested scopes
 * within them. No `scope`, or `scope=admin` (compatibility), asks for all of them; a scope the key
 * lacks answers `invalid_scope` naming it. Runs after client authentication. Other clients (the
 * console) keep oidc-provider's defaults.
 */
export const keyTokenScopes: Pick<ResourceIndicators, 'defaultResource' | 'getResourceServerInfo'> = {
  defaultResource(ctx, client, oneOf) {
    if (
      clientInfo(client)?.kind === 'application_key' &&
      ctx.oidc.params?.grant_type === 'client_credentials'
    )
      return KEY_RESOURCE;
    return oneOf;
  },

  getResourceServerInfo(ctx, resourceIndicator, client) {
    const info = clientInfo(client);
    if (resourceIndicator !== KEY_RESOURCE || info?.kind !== 'application_key')
      throw new errors.InvalidTarget();
    const keyScopes = info.scopes.join(' ');
    const requested = requestedScopes(ctx);
    if (requested.length === 0 || (requested.length === 1 && requested[0] === ADMIN_SCOPE)) {
      // the grant reads the requested scopes after this: ask for all of the key's, as oidc-provider
      // itself narrows `params.scope` at this step when no resource applies
      (ctx.oidc.params as { scope?: string }).scope = keyScopes || undefined;
    } else {
      const lacking = requested.filter((scope) => !info.scopes.includes(scope));
      if (lacking.length)
        throw new errors.InvalidScope(
          `this key lacks the requested scope${lacking.length > 1 ? 's' : ''} ${lacking.join(' ')}`,
          lacking.join(' '),
        );
    }
    return { scope: keyScopes, audience: KEY_RESOURCE, ...accessTokenFormat(info.token_format) };
  },
};

function requestedScopes(ctx: KoaContextWithOIDC): string[] {
  const scope = (ctx.oidc.params as { scope?: unknown } | undefined)?.scope;
  return typeof scope === 'string' ? [...new Set(scope.split(' ').filter(Boolean))] : [];
}

import type { Context, Next } from 'koa';
import type Provider from 'oidc-provider';
import type { Actor } from '../../domain/actors.ts';
import type { Repositories } from '../../domain/ports.ts';
import { AppError } from '../../errors.ts';
import { ADMIN_SCOPE, STOREFRONT_SCOPE } from '../../oauth/client-metadata.ts';
import type { SignInClaims } from '../../oauth/token-claims.ts';
import type { Clients } from '../../oauth/clients.ts';

const unauthorized = (detail: string) =>
  new AppError('unauthorized', detail, { headers: { 'WWW-Authenticate': 'Bearer realm="appkeys"' } });

/**
 * Resolves `Authorization: Bearer <token>` into `ctx.state.actor`. The token must be active and
 * its key must still exist (a deleted key's tokens stop working at once). Implicit (storefront)
 * tokens become a `storefront` actor, which permissions refuse everywhere on the admin API.
 */
export type AuthenticateDeps = { provider: Provider; repos: Repositories; clients: Clients };

export function authenticate(deps: AuthenticateDeps) {
  return async function authenticateMiddleware(ctx: Context, next: Next): Promise<void> {
    const match = /^Bearer ([\w.~+/-]+=*)$/i.exec(ctx.get('authorization'));
    if (!match?.[1]) throw unauthorized('Send an access token as Authorization: Bearer <token>.');
    const token = await deps.provider.ClientCredentials.find(match[1]);
    if (!token?.isValid) {
      ctx.state.actor = await userActor(deps, match[1]);
      return next();
    }
    const keyId = (token.extra as { application_key_id?: string } | undefined)?.application_key_id;
    const key = keyId ? await deps.clients.liveKey(keyId, token.clientId) : undefined;
    if (!key) throw unauthorized('The access token is invalid, expired or revoked.');
    const scopes = new Set((token.scope ?? '').split(' ').filter(Boolean));
    const common = { keyId: key.id, owner: key.owner, organizationId: key.organizationId };
    const actor: Actor = scopes.has(STOREFRONT_SCOPE)
      ? { kind: 'storefront', ...common }
      : { kind: 'application_key', ...common, scopes: effectiveScopes(scopes, key.scopes) };
    ctx.state.actor = actor;
    await next();
  };
}

/**
 * What a key's token may do now: its scopes within the key's current ones, so narrowing a key
 * narrows its live tokens at once. `admin` (tokens minted before keys had scopes) means all of them.
 */
function effectiveScopes(tokenScopes: Set<string>, keyScopes: string[]): ReadonlySet<string> {
  return new Set(keyScopes.filter((scope) => tokenScopes.has(ADMIN_SCOPE) || tokenScopes.has(scope)));
}

/** A person's access token (authorization code flow of appkeys-console): the user with current memberships. */
async function userActor(deps: AuthenticateDeps, value: string): Promise<Actor> {
  const token = await deps.provider.AccessToken.find(value);
  if (!token?.isValid || !token.accountId)
    throw unauthorized('The access token is invalid, expired or revoked.');
  if (!(token.scope ?? '').split(' ').includes(ADMIN_SCOPE))
    throw new AppError('forbidden', 'The token lacks the admin scope.');
  const user = await deps.repos.users.findById(token.accountId);
  if (!user) throw unauthorized('The account of this token no longer exists.');
  const memberships = await deps.repos.memberships.listByUser(user.id);
  const signIn = (token.extra ?? {}) as SignInClaims;
  return {
    kind: 'user',
    userId: user.id,
    operator: user.operator,
    totpEnrolled: user.totpEnrolled,
    signedInWithSecondFactor: Array.isArray(signIn.amr) && signIn.amr.includes('otp'),
    authTime: typeof signIn.auth_time === 'number' ? signIn.auth_time : undefined,
    memberships: memberships.map((m) => ({
      owner: m.owner,
      organizationId: m.organizationId,
      role: m.role,
      manageApplicationKeys: m.permissions.manageApplicationKeys,
    })),
  };
}

export function actorOf(ctx: Context): Actor {
  const { actor } = ctx.state;
  if (!actor) throw new Error('authenticate middleware did not run');
  return actor;
}

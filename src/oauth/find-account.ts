import type { Configuration } from 'oidc-provider';
import type { Repositories } from '../domain/ports.ts';

/** oidc-provider's account lookup: the user, with `sub` and `email` claims. */
export function createFindAccount(repos: Repositories): NonNullable<Configuration['findAccount']> {
  return async (_ctx, id) => {
    const user = await repos.users.findById(id);
    if (!user) return undefined;
    return { accountId: user.id, claims: () => ({ sub: user.id, email: user.email }) };
  };
}

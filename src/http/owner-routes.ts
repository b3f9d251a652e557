import type { Context } from 'koa';
import type { OwnerRef } from '../domain/types.ts';

/**
 * The owners of keys as admin paths spell them, written once: every owner route (keys, the
 * rate-limit view, audit events, members) is mounted under each prefix. Nothing else parses
 * owner paths: the owner a request acts on comes from the route's `ownerId` parameter, and the
 * payer from the domain's authorization (domain/payer.ts).
 */
export const ownerRoutes: ReadonlyArray<{ prefix: string; type: OwnerRef['type'] }> = [
  { prefix: '/organizations/:ownerId', type: 'organization' },
  { prefix: '/stores/:ownerId', type: 'store' },
];

/** The owner named by the route's `ownerId` parameter. */
export const ownerParam =
  (type: OwnerRef['type']) =>
  (ctx: Context): OwnerRef => ({ type, id: ctx.params.ownerId ?? '' });

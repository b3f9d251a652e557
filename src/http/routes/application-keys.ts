import type Router from '@koa/router';
import type { Context } from 'koa';
import type { Domain } from '../../domain/index.ts';
import type { OwnerRef } from '../../domain/types.ts';
import { AppError } from '../../errors.ts';
import { actorOf } from '../middleware/authenticate.ts';
import { ownerParam, ownerRoutes } from '../owner-routes.ts';
import { jsonBody, queryParams } from '../request-body.ts';
import {
  createKeyInput,
  listKeysQuery,
  presentKey,
  updateKeyInput,
} from '../../resources/application-keys.ts';
import { toPage, withWarnings } from '../../resources/shapes.ts';

/** Where the key routes are mounted, and how each finds the owner it acts on. */
const mounts: Array<{ prefix: string; owner: (ctx: Context) => OwnerRef }> = [
  ...ownerRoutes.map(({ prefix, type }) => ({ prefix, owner: ownerParam(type) })),
  // compatibility paths of the product we replace: the owner of the calling key
  {
    prefix: '',
    owner: (ctx) => {
      const actor = actorOf(ctx);
      if (actor.kind !== 'application_key')
        throw new AppError(
          'forbidden',
          '/v2/application-keys acts for the owner of the calling application key.',
        );
      return actor.owner;
    },
  },
];

/** Application keys of an organization or store: create, list, read, update, rotate, delete. */
export function applicationKeyRoutes(router: Router, domain: Domain): void {
  const keys = domain.applicationKeys;

  for (const { prefix, owner } of mounts) {
    const collection = `${prefix}/application-keys`;
    const item = `${collection}/:keyId`;

    router.post(collection, async (ctx) => {
      const { data } = await jsonBody(ctx, createKeyInput);
      const { key, secret, warnings } = await keys.create(actorOf(ctx), owner(ctx), {
        name: data.name,
        reservedRateLimit: data.reserved_rate_limit,
        allowedOrigins: data.allowed_origins,
        scopes: data.scopes,
        tokenFormat: data.token_format,
      });
      ctx.status = 201;
      ctx.body = { data: presentKey(key, secret), ...withWarnings(warnings) };
    });

    router.get(collection, async (ctx) => {
      const query = queryParams(ctx, listKeysQuery);
      const page = toPage(query);
      const { items, total, totalReserved } = await keys.list(
        actorOf(ctx),
        owner(ctx),
        page,
        query.unused_for_days,
      );
      ctx.body = {
        data: items.map((key) => presentKey(key)),
        meta: { results: { total, ...page }, total_reserved_rate_limit: totalReserved },
      };
    });

    router.get(item, async (ctx) => {
      ctx.body = { data: presentKey(await keys.get(actorOf(ctx), owner(ctx), ctx.params.keyId ?? '')) };
    });

    const update = async (ctx: Context) => {
      const { data } = await jsonBody(ctx, updateKeyInput);
      if (data.id !== undefined && data.id !== ctx.params.keyId)
        // a well-formed body naming another key: 409, as JSON:API answers a mismatched id (no schema can say it)
        throw new AppError('conflict', `data.id ${JSON.stringify(data.id)} is not the key in the path.`);
      const { key, warnings } = await keys.update(actorOf(ctx), owner(ctx), ctx.params.keyId ?? '', {
        name: data.name,
        reservedRateLimit: data.reserved_rate_limit,
        allowedOrigins: data.allowed_origins,
        scopes: data.scopes,
        tokenFormat: data.token_format,
      });
      ctx.body = { data: presentKey(key), ...withWarnings(warnings) };
    };
    router.put(item, update);
    router.patch(item, update);

    router.post(`${item}/rotate-secret`, async (ctx) => {
      const { key, secret } = await keys.rotateSecret(actorOf(ctx), owner(ctx), ctx.params.keyId ?? '');
      ctx.body = { data: presentKey(key, secret) };
    });

    router.delete(item, async (ctx) => {
      await keys.remove(actorOf(ctx), owner(ctx), ctx.params.keyId ?? '');
      ctx.status = 204;
    });
  }
}

import type Router from '@koa/router';
import type { Domain } from '../../domain/index.ts';
import { actorOf } from '../middleware/authenticate.ts';
import { jsonBody, queryParams } from '../request-body.ts';
import {
  createOrganizationInput,
  presentOrganization,
  updateOrganizationInput,
} from '../../resources/organizations.ts';
import { pageQuery, toPage, withWarnings } from '../../resources/shapes.ts';
import { createStoreInput, presentStore, updateStoreInput } from '../../resources/stores.ts';

/** Organizations and stores: create (operators; stores also org admins), read, rename, set limits. */
export function organizationRoutes(router: Router, domain: Domain): void {
  const { organizations } = domain;

  router.post('/organizations', async (ctx) => {
    const { data } = await jsonBody(ctx, createOrganizationInput);
    const organization = await organizations.createOrganization(actorOf(ctx), {
      name: data.name,
      rateLimit: data.rate_limit,
    });
    ctx.status = 201;
    ctx.body = { data: presentOrganization(organization) };
  });

  router.get('/organizations/:orgId', async (ctx) => {
    ctx.body = {
      data: presentOrganization(await organizations.getOrganization(actorOf(ctx), ctx.params.orgId ?? '')),
    };
  });

  router.patch('/organizations/:orgId', async (ctx) => {
    const { data } = await jsonBody(ctx, updateOrganizationInput);
    const { organization, warnings } = await organizations.updateOrganization(
      actorOf(ctx),
      ctx.params.orgId ?? '',
      {
        name: data.name,
        rateLimit: data.rate_limit,
      },
    );
    ctx.body = { data: presentOrganization(organization), ...withWarnings(warnings) };
  });

  router.post('/organizations/:orgId/stores', async (ctx) => {
    const { data } = await jsonBody(ctx, createStoreInput);
    const store = await organizations.createStore(actorOf(ctx), ctx.params.orgId ?? '', {
      name: data.name,
      rateLimit: data.rate_limit,
    });
    ctx.status = 201;
    ctx.body = { data: presentStore(store) };
  });

  router.get('/organizations/:orgId/stores', async (ctx) => {
    const page = toPage(queryParams(ctx, pageQuery));
    const { items, total } = await organizations.listStores(actorOf(ctx), ctx.params.orgId ?? '', page);
    ctx.body = { data: items.map(presentStore), meta: { results: { total, ...page } } };
  });

  router.get('/stores/:storeId', async (ctx) => {
    ctx.body = { data: presentStore(await organizations.getStore(actorOf(ctx), ctx.params.storeId ?? '')) };
  });

  router.patch('/stores/:storeId', async (ctx) => {
    const { data } = await jsonBody(ctx, updateStoreInput);
    const { store, warnings } = await organizations.updateStore(actorOf(ctx), ctx.params.storeId ?? '', {
      name: data.name,
      rateLimit: data.rate_limit,
      requireTwoFactorForKeyManagers: data.require_2fa_for_key_managers,
    });
    ctx.body = { data: presentStore(store), ...withWarnings(warnings) };
  });
}

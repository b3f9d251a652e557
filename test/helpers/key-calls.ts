import { setTimeout as sleep } from 'node:timers/promises';
import { expect } from 'vitest';
import type { Runtime } from '../../src/runtime.ts';
import { basic, form, rawRequest, type RawResponse } from './raw-request.ts';
import type { TwoInstances } from './two-instances.ts';

/** A client's id and secret (a key's, a resource server's). */
export type Credentials = { clientId: string; secret: string };

/** POSTs a form to an OAuth endpoint, authenticating as `client` with client_secret_basic. */
export async function oauthPost(
  url: string,
  path: string,
  client: Credentials,
  fields: Record<string, string>,
): Promise<RawResponse> {
  const { body, ...headers } = form(fields);
  return rawRequest(url, path, {
    method: 'POST',
    headers: { ...headers, authorization: basic(client.clientId, client.secret) },
    body,
  });
}

/** A client_credentials token of `key` from `url` (fails the test unless 200). */
export async function mintToken(url: string, key: Credentials): Promise<string> {
  const response = await oauthPost(url, '/token', key, { grant_type: 'client_credentials' });
  expect(response.status).toBe(200);
  return response.body.access_token as string;
}

/** Whether `caller` sees `token` as active at `url` (fails the test unless 200). */
export async function introspectsActive(url: string, caller: Credentials, token: string): Promise<boolean> {
  const response = await oauthPost(url, '/token/introspection', caller, { token });
  expect(response.status).toBe(200);
  return response.body.active as boolean;
}

/** The polling window of the cache suites: a change seen within it was announced, not expired. */
export const WINDOW_MS = 1500;

/** Polls `probe` until it returns `expected`; resolves how many ms that took, or fails after `maxMs`. */
export async function within<T>(probe: () => Promise<T>, expected: T, maxMs = WINDOW_MS): Promise<number> {
  const started = Date.now();
  let seen: T | undefined;
  while (Date.now() - started <= maxMs) {
    seen = await probe();
    if (seen === expected) return Date.now() - started;
    await sleep(25);
  }
  throw new Error(`still ${String(seen)} after ${maxMs} ms, expected ${String(expected)}`);
}

/** A resource server registered through `runtime` (it may introspect any token). */
export async function resourceServer(runtime: Runtime): Promise<Credentials> {
  const { server, secret } = await runtime.domain.resourceServers.create({ kind: 'cli' }, 'orders-api');
  return { clientId: server.clientId, secret };
}

/**
 * Waits until both instances have subscribed to Redis invalidations: from then on, with long cache
 * lifetimes, only the Redis messages can make a change visible on the other instance quickly.
 */
export async function bothSubscribed(cluster: TwoInstances): Promise<void> {
  const subscribed = /client cache: invalidations subscribed/;
  await within(
    async () =>
      cluster.first.logs.some((l) => subscribed.test(l)) &&
      cluster.second.stdout.some((l) => subscribed.test(l)),
    true,
    10_000,
  );
}

// Fixtures the benchmarks share: an organization with a store and keys made through the domain
// code (as the CLI does), and a client_credentials token minted over HTTP.
import type { Services } from './services.ts';

const cli = { kind: 'cli' } as const;

/** The one static client of the in-memory oidc-provider (bench/memory-provider-process.ts). */
export const memoryClient = { id: 'bench', secret: 'bench-secret-bench-secret-bench-secret' } as const;

export const clientCredentialsForm = (clientId: string, secret: string) =>
  new URLSearchParams({
    grant_type: 'client_credentials',
    client_id: clientId,
    client_secret: secret,
  }).toString();

export const formHeaders = { 'content-type': 'application/x-www-form-urlencoded' };

export async function tokenFor(url: string, clientId: string, secret: string): Promise<string> {
  const response = await fetch(`${url}/token`, {
    method: 'POST',
    headers: formHeaders,
    body: clientCredentialsForm(clientId, secret),
  });
  return ((await response.json()) as { access_token: string }).access_token;
}

/** An organization (limit 1,000,000/s) with one store of `storeLimit` and a key per reservation (opaque or JWT tokens). */
export async function fixture(
  services: Services,
  storeLimit: number,
  reservations: number[],
  tokenFormat: 'opaque' | 'jwt' = 'opaque',
) {
  const { organizations, applicationKeys } = services.runtime.domain;
  const org = await organizations.createOrganization(cli, {
    name: `bench-${Date.now()}`,
    rateLimit: 1_000_000,
  });
  const store = await organizations.createStore(cli, org.id, { name: 'store', rateLimit: storeLimit });
  const keys = [];
  for (const [i, reservedRateLimit] of reservations.entries()) {
    const { key, secret } = await applicationKeys.create(
      cli,
      { type: 'store', id: store.id },
      { name: `k${i}`, reservedRateLimit, tokenFormat },
    );
    keys.push({ key, secret: secret ?? '' });
  }
  return { store, keys };
}

// The soak benchmark (`npm run bench -- soak [--minutes=N]`, 10 minutes by default): two instances
// sharing Redis and the database under mixed traffic (admin reads with reserved and unreserved keys,
// token minting, introspection, reservation changes, 429s), reporting each instance's resident
// memory after the first minute and at the end, so a leak shows as growth between the two.
import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { load, type LoadResult } from './load.ts';
import type { Services } from './services.ts';

const cli = { kind: 'cli' } as const;

async function rssMiB(pid: number | undefined): Promise<number | undefined> {
  if (!pid) return undefined;
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  const kib = /VmRSS:\s+(\d+) kB/.exec(status)?.[1];
  return kib ? Math.round(Number(kib) / 102.4) / 10 : undefined;
}

const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();

export async function soak(services: Services, minutes: number) {
  const issuer = await services.server();
  const urls = [issuer, await services.server({ issuer })];
  const { organizations, applicationKeys } = services.runtime.domain;
  const org = await organizations.createOrganization(cli, { name: `soak-${Date.now()}`, rateLimit: 100_000 });
  const store = await organizations.createStore(cli, org.id, { name: 'soak', rateLimit: 200 });
  const owner = { type: 'store', id: store.id } as const;
  const reserved = await applicationKeys.create(cli, owner, { name: 'reserved', reservedRateLimit: 50 });
  const shared = await applicationKeys.create(cli, owner, { name: 'shared' });
  const basic = (key: typeof reserved) =>
    `Basic ${Buffer.from(`${key.key.clientId}:${key.secret ?? ''}`).toString('base64')}`;
  const mint = async (url: string, key: typeof reserved) => {
    const response = await fetch(`${url}/token`, {
      method: 'POST',
      headers: { authorization: basic(key), 'content-type': 'application/x-www-form-urlencoded' },
      body: form({ grant_type: 'client_credentials' }),
    });
    return ((await response.json()) as { access_token: string }).access_token;
  };
  const tokens = [await mint(urls[0]!, reserved), await mint(urls[1]!, shared)];
  const path = `/v2/stores/${store.id}`;
  const totals: Record<number, number> = {};
  const add = (result: LoadResult) => {
    for (const [status, count] of Object.entries(result.statuses))
      totals[Number(status)] = (totals[Number(status)] ?? 0) + count;
  };

  /** One minute of mixed traffic on both instances. */
  const minute = async () => {
    let changing = true;
    const changes = (async () => {
      // a reservation change every half second, alternating values
      for (let i = 0; changing; i++) {
        await applicationKeys.update(cli, owner, reserved.key.id, { reservedRateLimit: 40 + (i % 20) });
        await sleep(500);
      }
    })();
    const runs = await Promise.all([
      ...urls.flatMap((url, i) => [
        load({
          url: `${url}${path}`,
          headers: { authorization: `Bearer ${tokens[i]!}` },
          concurrency: 4,
          seconds: 60,
        }),
        load({
          url: `${url}/token`,
          method: 'POST',
          headers: {
            authorization: basic(i ? shared : reserved),
            'content-type': 'application/x-www-form-urlencoded',
          },
          body: form({ grant_type: 'client_credentials' }),
          concurrency: 1,
          seconds: 60,
        }),
        load({
          url: `${url}/token/introspection`,
          method: 'POST',
          headers: { authorization: basic(reserved), 'content-type': 'application/x-www-form-urlencoded' },
          body: form({ token: tokens[1 - i]! }),
          concurrency: 1,
          seconds: 60,
        }),
      ]),
    ]);
    changing = false;
    await changes;
    runs.forEach(add);
  };

  const sample = async () => Promise.all(urls.map((url) => rssMiB(services.pidOf(url))));
  await minute();
  const afterFirstMinute = await sample();
  for (let m = 1; m < minutes; m++) {
    await minute();
    process.stdout.write(`soak: ${m + 1}/${minutes} minutes, RSS ${JSON.stringify(await sample())} MiB\n`);
  }
  const atEnd = await sample();
  return {
    minutes,
    rssMiB: { afterFirstMinute, atEnd },
    growthMiB: atEnd.map((rss, i) => (rss ?? 0) - (afterFirstMinute[i] ?? 0)),
    statuses: totals,
    goals: { growthMiB: 'small and not proportional to the duration' },
  };
}

// The soak benchmark (`npm run bench -- soak [--minutes=N] [--heap-snapshots=DIR]`, 10 minutes by
// default): two instances sharing Redis and the database under mixed traffic (admin reads with
// reserved and unreserved keys, token minting, introspection, reservation changes, 429s). After
// every minute it reads each instance's memory: RSS as is (and its spread over readings every 5 s),
// then through the memory probe (bench/memory-probe.ts) the heap right after a forced full GC and
// RSS once the freed pages are returned. A leak shows as heap used after GC, or RSS outside the
// heap, growing with the duration; RSS as is also moves with where the GC cycle happens to be.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { load, type LoadResult } from './load.ts';
import type { MemoryReading } from './memory-probe.ts';
import type { Services } from './services.ts';

const cli = { kind: 'cli' } as const;

/** One instance at the end of one minute, in MiB. */
type MinuteReading = {
  minute: number;
  /** RSS as is: at the end of the minute, and the spread of the readings every 5 s through it. */
  rss: { atEnd?: number; min?: number; median?: number; max?: number };
  /** Right after a forced full GC (heap figures) and once the freed pages are handed back (RSS). */
  afterGc: MemoryReading;
  beforeGc: MemoryReading;
};

async function rssMiB(pid: number | undefined): Promise<number | undefined> {
  if (!pid) return undefined;
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  const kib = /VmRSS:\s+(\d+) kB/.exec(status)?.[1];
  return kib ? Math.round(Number(kib) / 102.4) / 10 : undefined;
}

const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();

export async function soak(services: Services, minutes: number, options: { heapSnapshots?: string } = {}) {
  const issuer = await services.server({ memoryProbe: true });
  const urls = [issuer, await services.server({ issuer, memoryProbe: true })];
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
  const reservationChanges = { made: 0, failed: 0 };
  const add = (result: LoadResult) => {
    for (const [status, count] of Object.entries(result.statuses))
      totals[Number(status)] = (totals[Number(status)] ?? 0) + count;
  };

  /** One minute of mixed traffic on both instances. */
  const minute = async () => {
    let changing = true;
    const changes = (async () => {
      // a reservation change every half second, alternating values; one the database refused
      // (a 2 s timeout on a loaded machine) is counted, not fatal: the soak is about the servers
      for (let i = 0; changing; i++) {
        await applicationKeys.update(cli, owner, reserved.key.id, { reservedRateLimit: 40 + (i % 20) }).then(
          () => (reservationChanges.made += 1),
          () => (reservationChanges.failed += 1),
        );
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

  const instances = urls.map(() => [] as MinuteReading[]);
  for (let m = 1; m <= minutes; m++) {
    // RSS every 5 s through the minute, as the kernel sees it (nothing forced)
    const seen = urls.map(() => [] as number[]);
    const watch = async () => {
      const rss = await Promise.all(urls.map((url) => rssMiB(services.pidOf(url))));
      rss.forEach((value, i) => value !== undefined && seen[i]!.push(value));
    };
    const watcher = setInterval(() => void watch(), 5000);
    await minute();
    clearInterval(watcher);
    for (const [i, url] of urls.entries()) {
      const atEnd = await rssMiB(services.pidOf(url));
      const snapshot =
        options.heapSnapshots && (m === 1 || m === minutes)
          ? join(options.heapSnapshots, `${'AB'[i]}-${m}.heapsnapshot`)
          : undefined;
      const probe = await services.memoryOf(url, snapshot);
      const sorted = seen[i]!.sort((a, b) => a - b);
      instances[i]!.push({
        minute: m,
        rss: { atEnd, min: sorted[0], median: sorted[Math.floor(sorted.length / 2)], max: sorted.at(-1) },
        afterGc: { ...probe.afterGc, rss: probe.rssSettled },
        beforeGc: probe.before,
      });
    }
    process.stdout.write(
      `soak: ${m}/${minutes} minutes, ${instances
        .map((readings, i) => {
          const last = readings.at(-1)!;
          return `${'AB'[i]} RSS ${last.rss.atEnd} MiB (${last.rss.min}-${last.rss.max}), after GC ${last.afterGc.rss} MiB, heap used ${last.afterGc.heapUsed} MiB`;
        })
        .join('; ')}\n`,
    );
  }
  const ratio = (of: (reading: MinuteReading) => number | undefined) =>
    instances.map((readings) => {
      const [first, last] = [of(readings[0]!), of(readings.at(-1)!)];
      return first && last ? Math.round((last / first) * 100) / 100 : undefined;
    });
  return {
    minutes,
    rssMiB: {
      afterFirstMinute: instances.map((readings) => readings[0]!.rss.atEnd),
      atEnd: instances.map((readings) => readings.at(-1)!.rss.atEnd),
    },
    /** RSS at the end of the last minute over RSS at the end of the first, three ways. */
    ratios: {
      rssAtEnd: ratio((reading) => reading.rss.atEnd),
      rssMedianOfMinute: ratio((reading) => reading.rss.median),
      rssAfterGc: ratio((reading) => reading.afterGc.rss),
      heapUsedAfterGc: ratio((reading) => reading.afterGc.heapUsed),
    },
    instances,
    statuses: totals,
    reservationChanges,
    goals: { ratio: 'RSS(last minute) <= 1.2 x RSS(first minute)' },
  };
}

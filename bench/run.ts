// npm run bench: the benchmarks of bench/README.md, each a ratio measured side by side in one run.
// Results go to bench/results/<name>.json; a summary table is printed. Loopback traffic only.
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { Redis } from 'ioredis';
import { RateLimiterRedis } from 'rate-limiter-flexible';
import { createMemoryBuckets } from '../src/limiter/memory-buckets.ts';
import { createRedisBuckets } from '../src/limiter/redis-buckets.ts';
import { limitsFrom } from '../src/limiter/limits.ts';
import { clientCredentialsForm, fixture, formHeaders, memoryClient, tokenFor } from './fixtures.ts';
import { introspectionAtScale } from './introspection-at-scale.ts';
import { load } from './load.ts';
import { peers } from './peers.ts';
import { profile } from './profile.ts';
import { cpuMsPerRequest } from './process-cpu.ts';
import { soak } from './soak.ts';
import { startServices, type DatabaseChoice, type Services } from './services.ts';
import { workers } from './workers.ts';

const quick = process.argv.includes('--quick');
const SECONDS = quick ? 2 : 5;

/** The same authenticated /v2 route with and without the limiter, alternating to cancel drift. */
async function limiterOverhead(services: Services) {
  const [withUrl, withoutUrl] = [await services.server(), await services.server({ withoutRateLimit: true })];
  const { store, keys } = await fixture(services, 1_000_000, [0]);
  const path = `/v2/stores/${store.id}`;
  const runs = {
    with: [] as Awaited<ReturnType<typeof load>>[],
    without: [] as Awaited<ReturnType<typeof load>>[],
  };
  const tokens = { with: await tokenFor(withUrl, keys[0]!.key.clientId, keys[0]!.secret), without: '' };
  tokens.without = await tokenFor(withoutUrl, keys[0]!.key.clientId, keys[0]!.secret);
  for (let round = 0; round < 2; round++) {
    for (const variant of ['with', 'without'] as const) {
      const url = variant === 'with' ? withUrl : withoutUrl;
      runs[variant].push(
        await load({
          url: `${url}${path}`,
          headers: { authorization: `Bearer ${tokens[variant]}` },
          concurrency: 16,
          seconds: SECONDS,
        }),
      );
    }
  }
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const withRps = mean(runs.with.map((r) => r.perSecond));
  const withoutRps = mean(runs.without.map((r) => r.perSecond));
  const addedP99 = mean(runs.with.map((r) => r.p99Ms)) - mean(runs.without.map((r) => r.p99Ms));
  return {
    withRps,
    withoutRps,
    throughputRatio: withRps / withoutRps,
    addedP99Ms: addedP99,
    goals: { throughputRatio: '>= 0.9', addedP99Ms: '<= 1' },
    runs,
  };
}

async function timedLoop(concurrency: number, seconds: number, call: () => Promise<unknown>) {
  const latencies: number[] = [];
  const deadline = performance.now() + seconds * 1000;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < deadline) {
        const t = performance.now();
        await call();
        latencies.push(performance.now() - t);
      }
    }),
  );
  latencies.sort((a, b) => a - b);
  return {
    perSecond: latencies.length / ((performance.now() - started) / 1000),
    p99Ms: latencies[Math.floor(latencies.length * 0.99)] ?? 0,
  };
}

/** The limiter's decisions against Redis over loopback beside RateLimiterRedis.consume, and the in-process twin. */
async function decisionRate(services: Services) {
  const redis = new Redis(services.redis.url);
  const buckets = createRedisBuckets(redis);
  const owner = `bench:${Date.now()}`;
  await buckets.publish(owner, limitsFrom(1_000_000_000, [['k', 1_000_000]]));
  const ours = await timedLoop(50, SECONDS, () => buckets.decide(owner, 'k', 1));
  const plain = new RateLimiterRedis({
    storeClient: redis,
    points: 1_000_000_000,
    duration: 1,
    keyPrefix: 'bench-rlf',
  });
  const baseline = await timedLoop(50, SECONDS, () => plain.consume('k'));

  const memory = createMemoryBuckets();
  const limits = limitsFrom(1_000_000_000, [['k', 1_000_000]]);
  let n = 0;
  const started = performance.now();
  let now = 1_800_000_000_000_000;
  while (performance.now() - started < 1000) {
    for (let i = 0; i < 10_000; i++) memory.decide('o', limits, i % 2 ? 'k' : 'u', (now += 1), 1);
    n += 10_000;
  }
  const memoryPerSecond = n / ((performance.now() - started) / 1000);
  await redis.quit();
  return {
    redisScript: ours,
    rateLimiterRedisConsume: baseline,
    ratio: ours.perSecond / baseline.perSecond,
    inProcessPerSecond: memoryPerSecond,
    goals: { ratio: '>= 0.8', p99Ms: '<= 2 at concurrency 50', inProcessPerSecond: '>= 1,500,000' },
  };
}

/** Two instances sharing Redis and the database; a store of 100/s with keys reserving 60 and 0. */
async function accuracy(services: Services) {
  const first = await services.server();
  const second = await services.server({ issuer: first.replace('http://127.0.0.1', 'http://127.0.0.1') });
  const { store, keys } = await fixture(services, 100, [60, 0]);
  const path = `/v2/stores/${store.id}`;
  const seconds = quick ? 3 : 10;
  const tokens = await Promise.all(keys.map(({ key, secret }) => tokenFor(first, key.clientId, secret)));
  const runs = await Promise.all(
    tokens.flatMap((token) =>
      [first, second].map((url) =>
        load({
          url: `${url}${path}`,
          headers: { authorization: `Bearer ${token}` },
          concurrency: 4,
          seconds,
        }),
      ),
    ),
  );
  const admitted = runs.map((r) => r.statuses[200] ?? 0);
  const reservedKey = admitted[0]! + admitted[1]!;
  const unreservedKey = admitted[2]! + admitted[3]!;
  const total = reservedKey + unreservedKey;
  const elapsed = Math.max(...runs.map((r) => r.seconds));
  const ideal = 100 * elapsed + 100;

  // the window-edge test on the limiter itself: 150 just before a second boundary, 150 just after
  const redis = new Redis(services.redis.url);
  const buckets = createRedisBuckets(redis);
  const owner = `edge:${Date.now()}`;
  await buckets.publish(owner, limitsFrom(100, []));
  const untilBoundary = 1000 - (Date.now() % 1000);
  await new Promise((resolve) => setTimeout(resolve, untilBoundary + 980));
  const before = await Promise.all(Array.from({ length: 150 }, () => buckets.decide(owner, 'k', 1)));
  await new Promise((resolve) => setTimeout(resolve, 1000 - (Date.now() % 1000) + 10));
  const after = await Promise.all(Array.from({ length: 150 }, () => buckets.decide(owner, 'k', 1)));
  const edgeAdmitted = [...before, ...after].filter((d) => d?.allowed).length;
  await redis.quit();

  return {
    seconds: elapsed,
    admitted: { reservedKey, unreservedKey, total },
    ideal,
    totalVsIdeal: total / ideal,
    reservedKeyAtLeast: 60 * elapsed,
    windowEdge: { admitted: edgeAdmitted, goal: '<= burst + 2 = 102 (+ rate x 0.03 s refill)' },
    goals: { totalVsIdeal: 'within 2% of 1' },
  };
}

/**
 * client_credentials tokens per second through /token with the real database, beside the in-memory
 * ceiling; and the same for a key whose tokens are JWTs (signed, not stored).
 */
async function tokenIssuance(services: Services) {
  const url = await services.server();
  const ceiling = await services.memoryProvider();
  const { keys } = await fixture(services, 1_000_000, [0]);
  const { keys: jwtKeys } = await fixture(services, 1_000_000, [0], 'jwt');
  // CPU time per token of each server process: steadier than tokens/s on a shared machine
  const measure = (target: string, body: string) =>
    cpuMsPerRequest(services.pidOf(target), () =>
      load({
        url: `${target}/token`,
        method: 'POST',
        headers: formHeaders,
        body,
        concurrency: 16,
        seconds: SECONDS,
      }),
    );
  const ours = await measure(url, clientCredentialsForm(keys[0]!.key.clientId, keys[0]!.secret));
  const memory = await measure(ceiling, clientCredentialsForm(memoryClient.id, memoryClient.secret));
  const jwt = await measure(url, clientCredentialsForm(jwtKeys[0]!.key.clientId, jwtKeys[0]!.secret));
  return {
    ours,
    memory,
    jwt,
    ratio: ours.perSecond / memory.perSecond,
    jwtRatio: jwt.perSecond / memory.perSecond,
    goals: { ratio: '>= 0.6' },
  };
}

/** The value of `--name=value`, if given. */
const flag = (name: string) =>
  process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) || undefined;
const minutes = Number(flag('minutes') ?? 10);
/** `--heap-snapshots=DIR`: the soak writes each instance's heap after minute 1 and at the end there. */
const heapSnapshots = flag('heap-snapshots');
const benchmarks = {
  limiterOverhead,
  decisionRate,
  accuracy,
  tokenIssuance,
  introspectionAtScale: (services: Services) =>
    introspectionAtScale(services, { seconds: SECONDS, large: quick ? 20_000 : 100_000 }),
  soak: (services: Services) => soak(services, minutes, { heapSnapshots }),
  workers: (services: Services) => workers(services, SECONDS * 2),
} as const;
/** Benchmarks that start and stop their own systems, one at a time (the shared services stay down). */
const standalone = {
  peers: () => {
    const workers = flag('workers') === undefined ? undefined : Number(flag('workers'));
    if (workers !== undefined && !(Number.isInteger(workers) && workers >= 1))
      throw new Error('--workers takes a whole number >= 1');
    return peers({ quick, only: flag('systems')?.split(','), workers, jwt: process.argv.includes('--jwt') });
  },
  profile: () => {
    const readme = flag('readme');
    if (readme !== undefined && readme !== 'before' && readme !== 'after')
      throw new Error('--readme takes before or after');
    const database = flag('database') ?? 'mongodb';
    if (database !== 'mongodb' && database !== 'ferretdb')
      throw new Error('--database takes mongodb or ferretdb');
    return profile({ quick, database, readme });
  },
} as const;
/** Run only when named: `npm run bench -- soak` (it takes `--minutes`, 10 by default), `workers`, `peers`, `profile`. */
const onlyWhenNamed = new Set(['soak', 'workers', 'peers', 'profile']);
const only = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const machine = {
  cpus: os.cpus().length,
  cpuModel: os.cpus()[0]?.model,
  memoryGiB: Math.round(os.totalmem() / 2 ** 30),
  node: process.version,
};

/**
 * `--database=mongodb|ferretdb` for the benchmarks that share one set of services (default: MONGODB_URI
 * when set, else the embedded FerretDB); their results then go to `<name>-<database>.json`.
 */
const databaseFlag = only.some((name) => name in standalone) ? undefined : flag('database');
if (databaseFlag !== undefined && databaseFlag !== 'mongodb' && databaseFlag !== 'ferretdb')
  throw new Error('--database takes mongodb or ferretdb');
const sharedDatabase: DatabaseChoice = databaseFlag ?? 'env';

await mkdir(new URL('./results/', import.meta.url), { recursive: true });
let services: Services | undefined;
try {
  const all: Record<string, () => Promise<unknown>> = {
    ...Object.fromEntries(
      Object.entries(benchmarks).map(([name, run]) => [
        name,
        async () => run((services ??= await startServices({ database: sharedDatabase }))),
      ]),
    ),
    ...standalone,
  };
  for (const [name, run] of Object.entries(all)) {
    if (only.length ? !only.includes(name) : onlyWhenNamed.has(name)) continue;
    process.stdout.write(`running ${name}...\n`);
    const result = await run();
    const record = { name, date: new Date().toISOString(), machine, quick, result };
    await writeFile(
      new URL(
        `./results/${name}${databaseFlag && name in benchmarks ? `-${databaseFlag}` : ''}.json`,
        import.meta.url,
      ),
      `${JSON.stringify(record, null, 2)}\n`,
    );
    const { runs: _runs, markdown, ...summary } = result as Record<string, unknown>;
    process.stdout.write(
      typeof markdown === 'string' ? `\n${markdown}\n\n` : `${name}: ${JSON.stringify(summary)}\n`,
    );
  }
} finally {
  await services?.stop();
}

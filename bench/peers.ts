// The peers benchmark (`npm run bench -- peers [--quick] [--systems=keycloak,mongodb,ferretdb,memory]
// [--workers=N] [--jwt]`; appkeys is measured as one process, and beside it as a WORKERS=N cluster
// and with JWT access tokens when asked):
// client_credentials tokens/s and introspections/s, with p99, of Keycloak, appkeys on MongoDB,
// appkeys on the embedded FerretDB and oidc-provider with its in-memory adapter. One system runs at
// a time (started, measured, stopped), all under the same closed-loop load: 32 keep-alive
// connections, a warm-up, then 3 rounds. Each client authenticates with client_secret_basic and
// introspects its own tokens (a pool minted before the introspection rounds, sent in turn).
import os from 'node:os';
import { fixture, formHeaders, memoryClient } from './fixtures.ts';
import { KEYCLOAK_VERSION, keycloakClient, startKeycloak } from './keycloak.ts';
import { load, type LoadResult } from './load.ts';
import { markdown, n, summarize, type Rounds, type SystemResult } from './peers-report.ts';
import { commit, writeReadmeBlock } from './readme-block.ts';
import { spawnReady, startServices, stopChild } from './services.ts';
import { startMain } from './workers.ts';

const CONNECTIONS = 32;
const ROUNDS = 3;
const TOKEN_POOL = 64;

export type PeersTiming = { warmupSeconds: number; roundSeconds: number };

/** What the load needs of a running system. */
type Running = {
  tokenEndpoint: string;
  introspectionEndpoint: string;
  clientId: string;
  secret: string;
  stop(): Promise<void>;
};

type System = {
  id: string;
  label: string;
  start(log: (line: string) => void): Promise<Running>;
  /** Warm-up as a multiple of the common one (a JVM compiles its hot code for longer). */
  warmupFactor?: number;
};

/** appkeys: bench/server-process.ts, or with `workers` src/main.ts's WORKERS cluster (npm start's entry). */
async function appkeys(
  database: 'ferretdb' | 'mongodb',
  variant: { workers?: number; tokenFormat?: 'opaque' | 'jwt' } = {},
): Promise<Running> {
  const services = await startServices({ database });
  try {
    const main = variant.workers ? await startMain(services, variant.workers) : undefined;
    const url = main?.url ?? (await services.server());
    const { keys } = await fixture(services, 1_000_000, [0], variant.tokenFormat);
    return {
      tokenEndpoint: `${url}/token`,
      introspectionEndpoint: `${url}/token/introspection`,
      clientId: keys[0]!.key.clientId,
      secret: keys[0]!.secret,
      stop: async () => {
        await main?.stop();
        await services.stop();
      },
    };
  } catch (error) {
    await services.stop();
    throw error;
  }
}

/**
 * appkeys on one database: one process; with `workers` also a WORKERS=N cluster; with `jwt` also
 * one process whose key issues JWT access tokens (`token_format: "jwt"`).
 */
function appkeysSystems(database: 'mongodb' | 'ferretdb', options: PeersVariants): System[] {
  const name =
    database === 'ferretdb'
      ? 'appkeys + embedded FerretDB'
      : process.env.MONGODB_URI
        ? 'appkeys + MongoDB (MONGODB_URI)'
        : 'appkeys + MongoDB 6.0.5';
  const { workers, jwt } = options;
  return [
    { id: database, label: name, start: () => appkeys(database) },
    ...(workers && workers > 1
      ? [
          {
            id: `${database}-workers`,
            label: `${name}, WORKERS=${workers}`,
            start: () => appkeys(database, { workers }),
          },
        ]
      : []),
    ...(jwt
      ? [
          {
            id: `${database}-jwt`,
            label: `${name}, JWT access tokens`,
            start: () => appkeys(database, { tokenFormat: 'jwt' }),
          },
        ]
      : []),
  ];
}

export type PeersVariants = { workers?: number; jwt?: boolean };

const systems = (variants: PeersVariants): System[] => [
  {
    id: 'keycloak',
    label: `Keycloak ${KEYCLOAK_VERSION} (start --optimized)`,
    warmupFactor: 3,
    async start(log) {
      const keycloak = await startKeycloak(log);
      return { ...keycloak, clientId: keycloakClient.id, secret: keycloakClient.secret };
    },
  },
  ...appkeysSystems('mongodb', variants),
  ...appkeysSystems('ferretdb', variants),
  {
    id: 'memory',
    label: 'oidc-provider, in-memory adapter',
    async start() {
      const { url, child } = await spawnReady('bench/memory-provider-process.ts', {});
      return {
        tokenEndpoint: `${url}/token`,
        introspectionEndpoint: `${url}/token/introspection`,
        clientId: memoryClient.id,
        secret: memoryClient.secret,
        stop: () => stopChild(child),
      };
    },
  },
];

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

async function rounds(timing: PeersTiming, options: Parameters<typeof load>[0]): Promise<Rounds> {
  await load({ ...options, seconds: timing.warmupSeconds });
  const results: LoadResult[] = [];
  for (let i = 0; i < ROUNDS; i++) results.push(await load({ ...options, seconds: timing.roundSeconds }));
  // answered with 200 per second: a system that fails fast must not look fast
  const rates = results.map((r) => (r.statuses[200] ?? 0) / r.seconds);
  const p99s = results.map((r) => r.p99Ms);
  return {
    perSecond: mean(rates),
    perSecondRange: [Math.min(...rates), Math.max(...rates)],
    p99Ms: mean(p99s),
    p99MsRange: [Math.min(...p99s), Math.max(...p99s)],
    failures: results.reduce((n, r) => n + r.requests - (r.statuses[200] ?? 0), 0),
    rounds: results,
  };
}

async function measure(running: Running, timing: PeersTiming) {
  const basic = `Basic ${Buffer.from(`${running.clientId}:${running.secret}`).toString('base64')}`;
  const headers = { ...formHeaders, authorization: basic };
  const mint = async () => {
    const response = await fetch(running.tokenEndpoint, {
      method: 'POST',
      headers,
      body: 'grant_type=client_credentials',
    });
    const body = (await response.json()) as { access_token?: string };
    if (!body.access_token)
      throw new Error(`no token from ${running.tokenEndpoint}: ${JSON.stringify(body)}`);
    return body.access_token;
  };
  const tokens = await rounds(timing, {
    url: running.tokenEndpoint,
    method: 'POST',
    headers,
    body: 'grant_type=client_credentials',
    concurrency: CONNECTIONS,
    seconds: 0,
  });
  const pool: string[] = [];
  for (let i = 0; i < TOKEN_POOL; i++) pool.push(await mint());
  const check = await fetch(running.introspectionEndpoint, {
    method: 'POST',
    headers,
    body: new URLSearchParams({ token: pool[0]! }).toString(),
  });
  const answer = (await check.json()) as { active?: boolean };
  if (answer.active !== true)
    throw new Error(`introspection of a fresh token answered ${JSON.stringify(answer)}`);
  let next = 0;
  const introspections = await rounds(timing, {
    url: running.introspectionEndpoint,
    method: 'POST',
    headers,
    body: () => `token=${pool[next++ % pool.length]!}`,
    concurrency: CONNECTIONS,
    seconds: 0,
  });
  return { tokens, introspections };
}

export async function peers(options: { quick: boolean; only?: string[] } & PeersVariants) {
  const timing: PeersTiming = options.quick
    ? { warmupSeconds: 3, roundSeconds: 4 }
    : { warmupSeconds: 10, roundSeconds: 15 };
  const log = (line: string) => process.stdout.write(`peers: ${line}\n`);
  const measured: SystemResult[] = [];
  for (const system of systems(options)) {
    // --systems names databases: `mongodb` selects its WORKERS and JWT runs too
    if (options.only && !options.only.includes(system.id.replace(/-(workers|jwt)$/, ''))) continue;
    const loadAverageBefore = os.loadavg().map((v) => Number(v.toFixed(2)));
    log(`${system.label}: starting (load average ${loadAverageBefore.join(', ')})`);
    try {
      const running = await system.start(log);
      try {
        measured.push({
          id: system.id,
          label: system.label,
          loadAverageBefore,
          ...(await measure(running, {
            ...timing,
            warmupSeconds: timing.warmupSeconds * (system.warmupFactor ?? 1),
          })),
        });
      } finally {
        await running.stop();
      }
      const last = measured.at(-1)!;
      log(
        `${system.label}: ${n(last.tokens?.perSecond)} tokens/s, ${n(last.introspections?.perSecond)} introspections/s`,
      );
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      log(`${system.label}: FAILED: ${message}`);
      measured.push({ id: system.id, label: system.label, loadAverageBefore, error: message });
    }
  }
  const result = summarize(measured);
  const cpu = os.cpus();
  const header =
    `Run of ${new Date().toISOString().slice(0, 10)} at commit ${commit()}${options.quick ? ' (--quick)' : ''}: ${cpu.length} cores (${cpu[0]?.model ?? '?'}), Node ${process.version}; ` +
    `${CONNECTIONS} connections, warm-up ${timing.warmupSeconds} s (Keycloak ${timing.warmupSeconds * 3} s), ${ROUNDS} rounds of ${timing.roundSeconds} s; ` +
    `rates are answers with 200 per second, the mean of the rounds (lowest-highest in brackets); p99 is the lowest-highest of the rounds. ` +
    `Load average before each system: ${measured.map((s) => `${s.id} ${s.loadAverageBefore[0]}`).join(', ')}.`;
  const table = markdown(result, header);
  if (!options.only) await writeReadmeBlock('peers', '## Peers', table);
  return { timing, connections: CONNECTIONS, ...result, markdown: table };
}

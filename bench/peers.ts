// The peers benchmark (`npm run bench -- peers [--quick] [--systems=keycloak,mongodb,ferretdb,memory]`):
// client_credentials tokens/s and introspections/s, with p99, of Keycloak, appkeys on MongoDB,
// appkeys on the embedded FerretDB and oidc-provider with its in-memory adapter. One system runs at
// a time (started, measured, stopped), all under the same closed-loop load: 32 keep-alive
// connections, a warm-up, then 3 rounds. Each client authenticates with client_secret_basic and
// introspects its own tokens (a pool minted before the introspection rounds, sent in turn).
import os from 'node:os';
import { fixture, formHeaders, memoryClient } from './fixtures.ts';
import { KEYCLOAK_VERSION, keycloakClient, startKeycloak } from './keycloak.ts';
import { load, type LoadResult } from './load.ts';
import { writeReadmeBlock } from './readme-block.ts';
import { spawnReady, startServices, stopChild } from './services.ts';

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

type System = { id: string; label: string; start(log: (line: string) => void): Promise<Running> };

async function appkeys(database: 'ferretdb' | 'mongodb'): Promise<Running> {
  const services = await startServices({ database });
  try {
    const url = await services.server();
    const { keys } = await fixture(services, 1_000_000, [0]);
    return {
      tokenEndpoint: `${url}/token`,
      introspectionEndpoint: `${url}/token/introspection`,
      clientId: keys[0]!.key.clientId,
      secret: keys[0]!.secret,
      stop: () => services.stop(),
    };
  } catch (error) {
    await services.stop();
    throw error;
  }
}

const systems: System[] = [
  {
    id: 'keycloak',
    label: `Keycloak ${KEYCLOAK_VERSION} (start --optimized)`,
    async start(log) {
      const keycloak = await startKeycloak(log);
      return { ...keycloak, clientId: keycloakClient.id, secret: keycloakClient.secret };
    },
  },
  {
    id: 'mongodb',
    label: process.env.MONGODB_URI ? 'appkeys + MongoDB (MONGODB_URI)' : 'appkeys + MongoDB 6.0.5',
    start: () => appkeys('mongodb'),
  },
  { id: 'ferretdb', label: 'appkeys + embedded FerretDB', start: () => appkeys('ferretdb') },
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

type Rounds = {
  perSecond: number;
  perSecondRange: [number, number];
  p99Ms: number;
  p99MsRange: [number, number];
  /** Answers that were not 200, over all rounds (should be none). */
  failures: number;
  rounds: LoadResult[];
};

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

type Measured = Awaited<ReturnType<typeof measure>>;
type SystemResult = {
  id: string;
  label: string;
  loadAverageBefore: number[];
  error?: string;
} & Partial<Measured>;

const ratio = (a: number | undefined, b: number | undefined) =>
  a !== undefined && b !== undefined && b > 0 ? a / b : undefined;

function ratios(results: SystemResult[]) {
  const by = (id: string) => results.find((r) => r.id === id);
  const [keycloak, memory] = [by('keycloak'), by('memory')];
  return Object.fromEntries(
    results.map((r) => [
      r.id,
      {
        tokensVsKeycloak: ratio(r.tokens?.perSecond, keycloak?.tokens?.perSecond),
        tokensVsMemory: ratio(r.tokens?.perSecond, memory?.tokens?.perSecond),
        introspectionsVsKeycloak: ratio(r.introspections?.perSecond, keycloak?.introspections?.perSecond),
        introspectionsVsMemory: ratio(r.introspections?.perSecond, memory?.introspections?.perSecond),
      },
    ]),
  );
}

/** The goals of issue 8 for appkeys on each database, judged from this run. */
function goals(results: SystemResult[], r: ReturnType<typeof ratios>) {
  return results
    .filter((s) => s.id === 'mongodb' || s.id === 'ferretdb')
    .flatMap((s) => {
      const x = r[s.id]!;
      const check = (goal: string, value: number | undefined, ok: (v: number) => boolean, digits = 2) => ({
        system: s.id,
        goal,
        measured: value === undefined ? undefined : Number(value.toFixed(digits)),
        met: value === undefined ? undefined : ok(value),
      });
      return [
        check('introspections >= 1.2x Keycloak', x.introspectionsVsKeycloak, (v) => v >= 1.2),
        check('introspections >= 0.6x in-memory', x.introspectionsVsMemory, (v) => v >= 0.6),
        check('tokens >= 2,500/s', s.tokens?.perSecond, (v) => v >= 2500, 0),
        check('tokens >= 3x Keycloak', x.tokensVsKeycloak, (v) => v >= 3),
        check('tokens >= 0.5x in-memory', x.tokensVsMemory, (v) => v >= 0.5),
        check('token p99 <= 25 ms', s.tokens?.p99Ms, (v) => v <= 25, 1),
      ];
    });
}

const n = (v: number | undefined, digits = 0) =>
  v === undefined
    ? '-'
    : v.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const span = (r: Rounds | undefined) =>
  r ? `${n(r.perSecond)} (${n(r.perSecondRange[0])}-${n(r.perSecondRange[1])})` : '-';
const p99 = (r: Rounds | undefined) => (r ? `${n(r.p99MsRange[0], 1)}-${n(r.p99MsRange[1], 1)}` : '-');

function markdown(result: ReturnType<typeof summarize>, header: string) {
  const lines = [
    header,
    '',
    '| system | tokens/s (rounds) | p99 ms | introspections/s (rounds) | p99 ms | tokens vs Keycloak | tokens vs in-memory | introspections vs Keycloak | introspections vs in-memory |',
    '|---|---|---|---|---|---|---|---|---|',
    ...result.systems.map((s) => {
      if (s.error)
        return `| ${s.label} | failed: ${s.error.replaceAll('|', '/').slice(0, 120)} | | | | | | | |`;
      const x = result.ratios[s.id]!;
      return `| ${s.label} | ${span(s.tokens)} | ${p99(s.tokens)} | ${span(s.introspections)} | ${p99(s.introspections)} | ${n(x.tokensVsKeycloak, 2)} | ${n(x.tokensVsMemory, 2)} | ${n(x.introspectionsVsKeycloak, 2)} | ${n(x.introspectionsVsMemory, 2)} |`;
    }),
  ];
  if (result.goals.length)
    lines.push(
      '',
      'Goals of issue 8 for appkeys, judged from this run:',
      '',
      '| database | goal | measured | met |',
      '|---|---|---|---|',
      ...result.goals.map(
        (g) =>
          `| ${g.system} | ${g.goal} | ${g.measured ?? '-'} | ${g.met === undefined ? '-' : g.met ? 'yes' : '**no**'} |`,
      ),
    );
  const failing = result.systems.filter(
    (s) => (s.tokens?.failures ?? 0) + (s.introspections?.failures ?? 0) > 0,
  );
  if (failing.length)
    lines.push(
      '',
      `Answers other than 200: ${failing.map((s) => `${s.id} ${(s.tokens?.failures ?? 0) + (s.introspections?.failures ?? 0)}`).join(', ')}.`,
    );
  return lines.join('\n');
}

function summarize(systemsMeasured: SystemResult[]) {
  const r = ratios(systemsMeasured);
  return { systems: systemsMeasured, ratios: r, goals: goals(systemsMeasured, r) };
}

export async function peers(options: { quick: boolean; only?: string[] }) {
  const timing: PeersTiming = options.quick
    ? { warmupSeconds: 3, roundSeconds: 4 }
    : { warmupSeconds: 10, roundSeconds: 15 };
  const log = (line: string) => process.stdout.write(`peers: ${line}\n`);
  const measured: SystemResult[] = [];
  for (const system of systems) {
    if (options.only && !options.only.includes(system.id)) continue;
    const loadAverageBefore = os.loadavg().map((v) => Number(v.toFixed(2)));
    log(`${system.label}: starting (load average ${loadAverageBefore.join(', ')})`);
    try {
      const running = await system.start(log);
      try {
        measured.push({
          id: system.id,
          label: system.label,
          loadAverageBefore,
          ...(await measure(running, timing)),
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
    `Run of ${new Date().toISOString().slice(0, 10)}${options.quick ? ' (--quick)' : ''}: ${cpu.length} cores (${cpu[0]?.model ?? '?'}), Node ${process.version}; ` +
    `${CONNECTIONS} connections, warm-up ${timing.warmupSeconds} s, ${ROUNDS} rounds of ${timing.roundSeconds} s; ` +
    `rates are answers with 200 per second, the mean of the rounds (lowest-highest in brackets); p99 is the lowest-highest of the rounds. ` +
    `Load average before each system: ${measured.map((s) => `${s.id} ${s.loadAverageBefore[0]}`).join(', ')}.`;
  const table = markdown(result, header);
  if (!options.only) await writeReadmeBlock('peers', '## Peers', table);
  return { timing, connections: CONNECTIONS, ...result, markdown: table };
}

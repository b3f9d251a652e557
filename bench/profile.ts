// The CPU profile benchmark (`npm run bench -- profile [--quick] [--database=mongodb|ferretdb]
// [--readme=before|after]`): appkeys' server under `node --cpu-prof`, once under client_credentials
// token load and once under introspection load (32 connections, the peers benchmark's load), and a
// summary of where the main thread's time goes: shares of self time by category and the top 15
// functions, counted only inside the measured window (start-up and warm-up left out). The
// profiles stay in .cache/profiles/ for DevTools; the summary is README-ready markdown, and with
// --readme it replaces the "before" or "after" block of bench/README.md's CPU profile section.
import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { grouped, summarizeProfile, type CpuProfile } from './cpu-profile-summary.ts';
import { fixture, formHeaders } from './fixtures.ts';
import { load, type LoadResult } from './load.ts';
import { commit, writeReadmeBlock } from './readme-block.ts';
import { root, startServices, type Services } from './services.ts';

const CONNECTIONS = 32;
const profiles = path.join(root, '.cache/profiles');
const pct = (share: number) => `${(share * 100).toFixed(1)} %`;
const nowUs = () => Number(process.hrtime.bigint() / 1000n);

type Path = 'token' | 'introspection';

/** One server process profiled under one kind of load; the profile is written when it exits. */
async function profiled(services: Services, kind: Path, seconds: number) {
  const dir = path.join(profiles, kind);
  const url = await services.server({ nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${dir}`] });
  const { keys } = await fixture(services, 1_000_000, [0]);
  const key = keys[0]!;
  const headers = {
    ...formHeaders,
    authorization: `Basic ${Buffer.from(`${key.key.clientId}:${key.secret}`).toString('base64')}`,
  };
  const mint = () =>
    fetch(`${url}/token`, { method: 'POST', headers, body: 'grant_type=client_credentials' })
      .then((r) => r.json() as Promise<{ access_token: string }>)
      .then((b) => b.access_token);
  const pool = kind === 'introspection' ? await Promise.all(Array.from({ length: 64 }, mint)) : [];
  let next = 0;
  const options = {
    url: `${url}${kind === 'token' ? '/token' : '/token/introspection'}`,
    method: 'POST',
    headers,
    body: kind === 'token' ? 'grant_type=client_credentials' : () => `token=${pool[next++ % pool.length]!}`,
    concurrency: CONNECTIONS,
  };
  await load({ ...options, seconds: Math.min(5, seconds) });
  const fromUs = nowUs();
  const measured: LoadResult = await load({ ...options, seconds });
  const toUs = nowUs();
  await services.stopProcess(url);
  // every thread writes CPU.<date>.<time>.<pid>.<thread id>.<seq>.cpuprofile; main threads are
  // thread 0 (tsx's module loader runs in a worker thread of its own); with several processes
  // (cluster workers) their main threads are summed
  const files = (await readdir(dir)).filter((file) => /^CPU\.\d+\.\d+\.\d+\.0\.\d+\.cpuprofile$/.test(file));
  if (!files.length) throw new Error(`no main-thread profile in ${dir}`);
  const all = await Promise.all(
    files.map(async (file) => JSON.parse(await readFile(path.join(dir, file), 'utf8')) as CpuProfile),
  );
  // the profile's clock is the monotonic clock of process.hrtime; if it were not, count it all
  const inWindow = all.every((p) => p.startTime <= fromUs && p.endTime >= toUs);
  const summary = summarizeProfile(all, {
    projectRoot: root,
    ...(inWindow ? { fromUs, toUs } : {}),
  });
  return { load: measured, windowOnly: inWindow, summary, files: files.map((file) => path.join(dir, file)) };
}

function section(title: string, run: Awaited<ReturnType<typeof profiled>>) {
  const { summary, load: measured } = run;
  const cpuMsPer = summary.busyMs / Math.max(1, measured.requests);
  const groups = grouped(summary);
  const detail = (g: (typeof groups)[number]) =>
    g.details
      .filter((d) => d.share >= 0.005)
      .slice(0, 8)
      .map((d) => `${d.name} ${pct(d.share)}`)
      .join(', ');
  return [
    `**${title}**: ${Math.round(measured.perSecond).toLocaleString('en-US')}/s (p99 ${measured.p99Ms.toFixed(1)} ms); ` +
      `main thread busy ${pct(summary.busyFraction)} of the window, ${cpuMsPer.toFixed(2)} ms of busy main-thread time per request; ` +
      `${pct(summary.inNodeShare)} of the self time was in node's own code and natives, counted below for the package that called them.`,
    '',
    '| category | share of self time |',
    '|---|---|',
    ...groups.map((g) => `| ${g.group}${detail(g) ? ` (${detail(g)})` : ''} | ${pct(g.share)} |`),
    '',
    '| top functions by self time | category | share |',
    '|---|---|---|',
    ...summary.topFunctions.map((f) => `| \`${f.function}\` | ${f.category} | ${pct(f.share)} |`),
  ].join('\n');
}

export async function profile(options: {
  quick: boolean;
  database: 'mongodb' | 'ferretdb';
  readme?: 'before' | 'after';
}) {
  const seconds = options.quick ? 5 : 15;
  const loadBefore = os.loadavg()[0]?.toFixed(2);
  await rm(profiles, { recursive: true, force: true });
  await mkdir(profiles, { recursive: true });
  const runs: Partial<Record<Path, Awaited<ReturnType<typeof profiled>>>> = {};
  const services = await startServices({ database: options.database });
  try {
    for (const kind of ['token', 'introspection'] as const) {
      process.stdout.write(`profile: ${kind} load for ${seconds} s...\n`);
      runs[kind] = await profiled(services, kind, seconds);
    }
  } finally {
    await services.stop();
  }
  const database = options.database === 'mongodb' ? 'MongoDB' : 'the embedded FerretDB';
  const markdown = [
    `Run of ${new Date().toISOString().slice(0, 10)} at commit ${commit()}${options.quick ? ' (--quick)' : ''} on ${database}, ` +
      `${os.cpus().length} cores, Node ${process.version}, load average ${loadBefore} before and ${os.loadavg()[0]?.toFixed(2)} after; ` +
      `${CONNECTIONS} connections, ${seconds} s per path after a warm-up, self time of the server's main thread ` +
      `inside the measured window${runs.token?.windowOnly && runs.introspection?.windowOnly ? '' : ' (whole profile: the clocks did not line up)'}.`,
    '',
    section('Token path (`POST /token`, client_credentials)', runs.token!),
    '',
    section(
      'Introspection path (`POST /token/introspection`, a key introspecting its own tokens)',
      runs.introspection!,
    ),
  ].join('\n');
  if (options.readme)
    await writeReadmeBlock(
      `profile-${options.readme}`,
      '## CPU profile',
      `### ${options.readme === 'before' ? 'Before' : 'After'}\n\n${markdown}`,
    );
  return {
    database: options.database,
    seconds,
    token: runs.token,
    introspection: runs.introspection,
    markdown,
  };
}

// `npm run bench -- workers`: token issuance through `npm start`'s own entry (src/main.ts) with
// WORKERS=1 and WORKERS=2, side by side on the same database and Redis.
import { spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { freePort } from '../src/infra/free-port.ts';
import { load, type LoadResult } from './load.ts';
import type { Services } from './services.ts';

const root = fileURLToPath(new URL('..', import.meta.url));

/** src/main.ts with `workers` processes; ready once /metrics answers (the primary opens it last). */
export async function startMain(services: Services, workers: number) {
  const [port, metricsPort] = [await freePort(), await freePort()];
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: root,
    env: {
      ...process.env,
      ...services.env,
      PORT: String(port),
      ISSUER: url,
      METRICS_PORT: String(metricsPort),
      WORKERS: String(workers),
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const answers = async (target: string) => (await fetch(target).catch(() => undefined))?.ok === true;
  for (let i = 0; i < 600; i++) {
    if (child.exitCode !== null) throw new Error(`WORKERS=${workers} exited with ${child.exitCode}`);
    if ((await answers(`http://127.0.0.1:${metricsPort}/metrics`)) && (await answers(`${url}/healthz`)))
      break;
    await sleep(100);
  }
  return {
    url,
    async stop() {
      child.kill('SIGTERM');
      if (child.exitCode === null) await new Promise((resolve) => child.once('exit', resolve));
    },
  };
}

export async function workers(services: Services, seconds: number) {
  const cli = { kind: 'cli' } as const;
  const { organizations, applicationKeys } = services.runtime.domain;
  const org = await organizations.createOrganization(cli, {
    name: `workers-${Date.now()}`,
    rateLimit: 1_000_000,
  });
  const { key, secret } = await applicationKeys.create(
    cli,
    { type: 'organization', id: org.id },
    { name: 'k' },
  );
  const body = new URLSearchParams({
    grant_type: 'client_credentials',
    client_id: key.clientId,
    client_secret: secret ?? '',
  }).toString();
  const runs: Record<string, LoadResult[]> = { one: [], two: [] };
  // alternating, twice each, to cancel drift
  for (let round = 0; round < 2; round++) {
    for (const [name, count] of [
      ['one', 1],
      ['two', 2],
    ] as const) {
      const server = await startMain(services, count);
      try {
        runs[name]!.push(
          await load({
            url: `${server.url}/token`,
            method: 'POST',
            headers: { 'content-type': 'application/x-www-form-urlencoded' },
            body,
            concurrency: 32,
            seconds,
          }),
        );
      } finally {
        await server.stop();
      }
    }
  }
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const summary = (rs: LoadResult[]) => ({
    tokensPerSecond: Math.round(mean(rs.map((r) => r.perSecond))),
    p99Ms: Math.round(mean(rs.map((r) => r.p99Ms)) * 10) / 10,
  });
  const one = summary(runs.one!);
  const two = summary(runs.two!);
  return { runs, one, two, ratio: two.tokensPerSecond / one.tokensPerSecond };
}

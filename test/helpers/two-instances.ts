import { freePort } from '../../src/infra/free-port.ts';
import { fixtures } from './fixtures.ts';
import { spawnServer, type SpawnedServer } from './spawn-server.ts';
import { startTestServer, type TestServer } from './test-server.ts';

export type TwoInstances = {
  /** The in-process server (its logs in `first.logs`, its domain for fixtures). */
  first: TestServer;
  /** A second server process on the same database, keys and Redis. */
  second: SpawnedServer;
  secondUrl: string;
  f: ReturnType<typeof fixtures>;
  /** Starts another server process sharing everything (after `second` was killed, say). */
  spawnAnother(): Promise<{ server: SpawnedServer; url: string }>;
  close(): Promise<void>;
};

/**
 * Two appkeys instances sharing one database, one keys directory and (given `env`) one Redis.
 * `firstEnv` is laid over `env` for the in-process one (another REDIS_URL, say: a proxy to cut).
 */
export async function startTwoInstances(
  env: Record<string, string> = {},
  firstEnv: Record<string, string> = {},
): Promise<TwoInstances> {
  const first = await startTestServer({ ...env, ...firstEnv });
  const spawned: SpawnedServer[] = [];
  const spawnAnother = async () => {
    const port = await freePort();
    const server = spawnServer({ ...first.sharedEnv, ...env, PORT: String(port) });
    spawned.push(server);
    await server.ready;
    return { server, url: `http://127.0.0.1:${port}` };
  };
  const { server: second, url: secondUrl } = await spawnAnother();
  return {
    first,
    second,
    secondUrl,
    f: fixtures(first.runtime, first.url),
    spawnAnother,
    async close() {
      // SIGTERM, then SIGKILL for one that does not finish within 10 s
      await Promise.all(
        spawned.map((server) => {
          const kill = setTimeout(() => void server.stop('SIGKILL'), 10_000);
          return server.stop().finally(() => clearTimeout(kill));
        }),
      );
      await first.close();
    },
  };
}

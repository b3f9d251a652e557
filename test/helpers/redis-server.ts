import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { freePort } from '../../src/infra/free-port.ts';
import { answers, waitUntil } from '../../src/infra/ferretdb/process-tools.ts';

export type RedisServer = {
  url: string;
  port: number;
  stop(): Promise<void>;
  start(): Promise<void>;
  /** SIGSTOP: connections stay open but nothing answers (a hung Redis, a network blip); data is kept. */
  pause(): void;
  /** SIGCONT after pause(). */
  resume(): void;
};

/**
 * A real redis-server (Debian's) on a free loopback port, without persistence. `stop()` and
 * `start()` again on the same port let tests take Redis away and bring it back (empty, as after a
 * crash without persistence); `pause()` and `resume()` make it hang and answer again, data intact.
 */
export async function startRedisServer(): Promise<RedisServer> {
  const port = await freePort();
  let child: ChildProcess | undefined;
  const start = async () => {
    child = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      {
        stdio: 'ignore',
      },
    );
    await waitUntil(() => answers(port), 10_000, `redis-server on port ${port}`);
  };
  await start();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    start,
    pause: () => child?.kill('SIGSTOP'),
    resume: () => child?.kill('SIGCONT'),
    async stop() {
      if (!child || child.exitCode !== null) return;
      const exited = once(child, 'exit');
      child.kill('SIGKILL');
      await exited;
    },
  };
}

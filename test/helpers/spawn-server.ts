import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));

export type SpawnedServer = {
  child: ChildProcess;
  stdout: string[];
  stderr: () => string;
  /** Sends a signal and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  exited: Promise<number | null>;
  /** Resolves once the server logs that it listens; rejects when it exits first. */
  ready: Promise<void>;
};

/**
 * Runs `src/main.ts` as its own process, exactly as `npm start` does, with `env` on top of a
 * clean environment (no MONGODB_URI or REDIS_URL from the test runner unless given).
 * `ready` resolves once it logs that it listens, or rejects when it exits first.
 */
export function spawnServer(env: Record<string, string>): SpawnedServer {
  const inherited = { ...process.env };
  delete inherited.MONGODB_URI;
  delete inherited.REDIS_URL;
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: root,
    env: { ...inherited, LOG_LEVEL: 'info', METRICS_PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stdout: string[] = [];
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  const ready = new Promise<void>((resolve, reject) => {
    let buffer = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      const lines = buffer.split('\n');
      buffer = lines.pop() ?? '';
      for (const line of lines) {
        stdout.push(line);
        if (line.includes('"appkeys listening"')) resolve();
      }
    });
    void exited.then((code) => reject(new Error(`server exited with ${code} before listening: ${stderr}`)));
  });
  ready.catch(() => undefined); // callers that expect an early exit need not await it
  return {
    child,
    stdout,
    stderr: () => stderr,
    ready,
    exited,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null) child.kill(signal);
      return exited;
    },
  };
}

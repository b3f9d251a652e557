import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));

export type CliResult = { code: number; stdout: string; stderr: string };

/** Runs `appkeys <args>` (the package bin) as its own process with `env` on a clean environment. */
export function runCli(args: string[], env: Record<string, string>): Promise<CliResult> {
  const inherited = { ...process.env };
  delete inherited.MONGODB_URI;
  delete inherited.REDIS_URL;
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['src/cli/bin.js', ...args],
      { cwd: root, env: { ...inherited, ...env } },
      (error, stdout, stderr) => {
        const code = error ? ((error as { code?: number }).code ?? 1) : 0;
        resolve({ code: typeof code === 'number' ? code : 1, stdout, stderr });
      },
    );
  });
}

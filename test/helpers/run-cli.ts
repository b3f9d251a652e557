import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));

export type CliResult = { code: number; stdout: string; stderr: string };

/**
 * Runs `appkeys <args>` (the package bin) as its own process with `env` on a clean environment;
 * `input` is written to its standard input (e.g. the password for `--password-stdin`).
 */
export function runCli(args: string[], env: Record<string, string>, input = ''): Promise<CliResult> {
  const inherited = { ...process.env };
  delete inherited.MONGODB_URI;
  delete inherited.REDIS_URL;
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      ['src/cli/bin.js', ...args],
      { cwd: root, env: { ...inherited, ...env } },
      (error, stdout, stderr) => {
        const code = error ? ((error as { code?: number }).code ?? 1) : 0;
        resolve({ code: typeof code === 'number' ? code : 1, stdout, stderr });
      },
    );
    child.stdin?.end(input);
  });
}

import { spawn } from 'node:child_process';
import { access, appendFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** Where `.ci/install-schemathesis` puts the fuzzer (a virtual environment under the git-ignored cache). */
export const SCHEMATHESIS_BIN = path.join(root, '.cache/schemathesis-venv/bin/st');

/**
 * The seed of every run: fixed, so that CI is reproducible and a failure can be replayed; set
 * `SCHEMATHESIS_SEED` to another number to explore further (or `random` for a fresh one each run).
 */
export function schemathesisSeed(): string[] {
  const seed = process.env.SCHEMATHESIS_SEED ?? '20261203';
  return seed === 'random' ? [] : ['--seed', seed];
}

/** `--max-examples` per operation: `fallback`, or `SCHEMATHESIS_MAX_EXAMPLES` for a longer hunt by hand. */
export function maxExamples(fallback: number): string[] {
  return ['--max-examples', process.env.SCHEMATHESIS_MAX_EXAMPLES ?? String(fallback)];
}

/** Throws (the suite fails, never skips) when Schemathesis is not installed, naming the script that installs it. */
export async function assertSchemathesisInstalled(): Promise<void> {
  try {
    await access(SCHEMATHESIS_BIN);
  } catch {
    throw new Error(
      `Schemathesis is missing (${SCHEMATHESIS_BIN}): install it with \`bash .ci/install-schemathesis\` ` +
        '(.ci/run does so)',
    );
  }
}

export type SchemathesisRun = { exitCode: number; output: string };
export type SchemathesisOptions = {
  /** The text of a `schemathesis.toml` for this run (dictionaries, per-operation parameters). */
  config?: string;
  /** More environment for the run (e.g. SCHEMATHESIS_HOOKS and what the hooks read). */
  env?: Record<string, string>;
};

/**
 * Runs `st run <location> ...args` asynchronously (the server under test lives in this process, so
 * the event loop must keep serving it), from a scratch directory so nothing lands in the worktree.
 */
export async function runSchemathesis(
  location: string,
  args: string[],
  options: SchemathesisOptions = {},
): Promise<SchemathesisRun> {
  await assertSchemathesisInstalled();
  const run = await spawnSchemathesis(location, args, options);
  // SCHEMATHESIS_LOG=FILE appends every run's report to FILE, for reading a passing run too
  if (process.env.SCHEMATHESIS_LOG) await appendFile(process.env.SCHEMATHESIS_LOG, run.output);
  return run;
}

async function spawnSchemathesis(
  location: string,
  args: string[],
  options: SchemathesisOptions,
): Promise<SchemathesisRun> {
  const cwd = await mkdtemp(path.join(os.tmpdir(), 'appkeys-schemathesis-'));
  try {
    // Schemathesis reads schemathesis.toml from its working directory
    if (options.config) await writeFile(path.join(cwd, 'schemathesis.toml'), options.config);
    return await new Promise<SchemathesisRun>((resolve, reject) => {
      const child = spawn(
        SCHEMATHESIS_BIN,
        ['run', location, '--no-color', '--generation-database', 'none', ...schemathesisSeed(), ...args],
        { cwd, env: { ...process.env, NO_COLOR: '1', SCHEMATHESIS_TELEMETRY: 'false', ...options.env } },
      );
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
      child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
      child.on('error', reject);
      child.on('close', (code) => resolve({ exitCode: code ?? -1, output }));
    });
  } finally {
    await rm(cwd, { recursive: true, force: true });
  }
}

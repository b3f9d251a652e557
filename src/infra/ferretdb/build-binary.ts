import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cp, mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Logger } from '../logger.ts';
import { findOnPath, projectCacheBin } from './find-binary.ts';
import { patchFiles, patchSetMark } from './patch-set.ts';

const run = promisify(execFile);

const MODULE = 'github.com/FerretDB/FerretDB';
/** v1.24.1 is the version we target; the module proxy here serves only v1.24.2 of that line. */
export const FERRETDB_VERSIONS = ['v1.24.1', 'v1.24.2'] as const;

export class NoDatabaseError extends Error {
  override name = 'NoDatabaseError';
  constructor() {
    super(
      'No database: MONGODB_URI is not set and no FerretDB binary or Go toolchain was found to run the embedded one; ' +
        'set MONGODB_URI to a MongoDB server or run `docker compose up`.',
    );
  }
}

type Download = { Version?: string; Dir?: string; Error?: string };

async function download(go: string, version: string, env: NodeJS.ProcessEnv, cwd: string): Promise<Download> {
  const { stdout } = await run(go, ['mod', 'download', '-json', `${MODULE}@${version}`], { env, cwd }).catch(
    (error: { stdout?: string }) => ({ stdout: error.stdout ?? '{"Error":"go mod download failed"}' }),
  );
  return JSON.parse(stdout) as Download;
}

/** Finds the first FerretDB version the module proxy serves, turning the checksum database off if it refuses. */
async function downloadSource(go: string, env: NodeJS.ProcessEnv, cwd: string): Promise<Required<Download>> {
  const errors: string[] = [];
  for (const version of FERRETDB_VERSIONS) {
    for (const extra of [{}, { GOSUMDB: 'off' }]) {
      const result = await download(go, version, { ...env, ...extra }, cwd);
      if (result.Dir && result.Version) return result as Required<Download>;
      errors.push(`${version}: ${result.Error ?? 'unknown error'}`);
    }
  }
  throw new Error(`Could not download FerretDB from the Go module proxy:\n${errors.join('\n')}`);
}

/**
 * Builds FerretDB (SQLite backend included) from the Go module proxy into the project cache.
 * `go install module@version` cannot be used as is: the proxy refuses the module's version list,
 * which `go install` reads for deprecation notices, and a build outside FerretDB's own repository
 * lacks the generated build/version/version.txt. So: download the exact version, copy the source,
 * apply our patches (patches/*.patch, with `git apply`), write version.txt as FerretDB's
 * `task gen-version` would and package.txt naming the patch set, and `go build ./cmd/ferretdb`.
 */
export async function buildFerretdb(logger: Logger): Promise<string> {
  const go = await findOnPath('go');
  if (!go) throw new NoDatabaseError();
  const work = await mkdtemp(path.join(os.tmpdir(), 'appkeys-ferretdb-'));
  const env = { ...process.env, GOFLAGS: '-mod=mod', GOWORK: 'off' };
  try {
    const source = await downloadSource(go, env, work);
    logger.info({ version: source.Version }, 'building FerretDB once into .cache/bin (about a minute)');
    const tree = path.join(work, 'src');
    await cp(source.Dir, tree, { recursive: true });
    await run('chmod', ['-R', 'u+w', tree]); // the module cache is read-only
    for (const patch of await patchFiles()) {
      // the ceiling keeps git from treating an enclosing repository (TMPDIR inside one) as the target
      await run('git', ['apply', '-p1', patch], {
        cwd: tree,
        env: { ...env, GIT_CEILING_DIRECTORIES: work },
      }).catch((error: Error & { stderr?: string }) => {
        const why = error.stderr?.trim() || error.message;
        throw new Error(
          `Could not apply ${path.basename(patch)} to FerretDB ${source.Version} (needs git): ${why}`,
        );
      });
    }
    await writeFile(path.join(tree, 'build', 'version', 'version.txt'), `${source.Version}\n`);
    await writeFile(path.join(tree, 'build', 'version', 'package.txt'), `${await patchSetMark()}\n`);
    await mkdir(projectCacheBin, { recursive: true });
    const target = path.join(projectCacheBin, 'ferretdb');
    const partial = `${target}.${randomBytes(4).toString('hex')}.partial`;
    await run(go, ['build', '-trimpath', '-o', partial, './cmd/ferretdb'], {
      env: { ...env, GOSUMDB: 'off' },
      cwd: tree,
      maxBuffer: 16 * 1024 * 1024,
    });
    await rename(partial, target);
    return target;
  } finally {
    await rm(work, { recursive: true, force: true }).catch(() => undefined);
  }
}

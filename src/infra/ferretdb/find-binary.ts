import { access, constants } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { carriesPatches } from './patch-set.ts';

/** The git-ignored project cache where a FerretDB built by `buildFerretdb` is kept. */
export const projectCacheBin = fileURLToPath(new URL('../../../.cache/bin/', import.meta.url));

async function isExecutable(file: string): Promise<boolean> {
  try {
    await access(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The project cache's build when it carries the current patch set (a stale one is rebuilt). */
export async function currentCachedFerretdb(): Promise<string | undefined> {
  const cached = path.join(projectCacheBin, 'ferretdb');
  return (await isExecutable(cached)) && (await carriesPatches(cached)) ? cached : undefined;
}

/**
 * FERRETDB_BIN, then the project cache (only a build with the current patches), then PATH;
 * undefined when there is none. A binary from FERRETDB_BIN or PATH is taken as it is.
 */
export async function findFerretdb(explicit: string | undefined): Promise<string | undefined> {
  if (explicit) {
    if (await isExecutable(explicit)) return explicit;
    throw new Error(`FERRETDB_BIN: ${explicit} is not an executable file`);
  }
  const cached = await currentCachedFerretdb();
  if (cached) return cached;
  const candidates = [
    ...(process.env.PATH ?? '')
      .split(path.delimiter)
      .filter(Boolean)
      .map((dir) => path.join(dir, 'ferretdb')),
  ];
  for (const candidate of candidates) if (await isExecutable(candidate)) return candidate;
  return undefined;
}

export async function findOnPath(command: string): Promise<string | undefined> {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter).filter(Boolean)) {
    const candidate = path.join(dir, command);
    if (await isExecutable(candidate)) return candidate;
  }
  return undefined;
}

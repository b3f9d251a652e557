import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * Our patches to FerretDB (see patches/*.patch), applied before each build. A build records which
 * patch set it carries in FerretDB's own `package` build field (build/version/package.txt), so
 * `ferretdb --version` tells whether a binary, wherever it was found, has the current patches.
 */
export const patchesDir = fileURLToPath(new URL('./patches/', import.meta.url));

export async function patchFiles(): Promise<string[]> {
  const names = (await readdir(patchesDir)).filter((name) => name.endsWith('.patch')).sort();
  return names.map((name) => path.join(patchesDir, name));
}

/** `appkeys-` and a hash of the patches' names and contents: what a current build reports as its package. */
export async function patchSetMark(): Promise<string> {
  const hash = createHash('sha256');
  for (const file of await patchFiles()) hash.update(`${path.basename(file)}\0${await readFile(file)}\0`);
  return `appkeys-${hash.digest('hex').slice(0, 16)}`;
}

/** The `package:` line of `binary --version` (`unknown` for builds not made by buildFerretdb). */
export async function packageOf(binary: string): Promise<string | undefined> {
  try {
    const { stdout } = await run(binary, ['--version'], { timeout: 10_000 });
    return /^package: (.*)$/m.exec(stdout)?.[1]?.trim();
  } catch {
    return undefined;
  }
}

/** True when `binary` was built by buildFerretdb with the current patch set. */
export async function carriesPatches(binary: string): Promise<boolean> {
  return (await packageOf(binary)) === (await patchSetMark());
}

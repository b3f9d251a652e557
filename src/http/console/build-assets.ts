import { copyFile, mkdir, readdir, rename, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

/** The console's sources (TypeScript, HTML, CSS) and where its bundle goes (git-ignored). */
export const consoleSourceDir = fileURLToPath(new URL('../../../console/', import.meta.url));
export const consoleAssetsDir = path.join(consoleSourceDir, 'dist');

const STATIC_FILES = ['index.html', 'console.css', 'favicon.svg'];

async function newestMtime(dir: string): Promise<number> {
  let newest = 0;
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, await newestMtime(full));
    else newest = Math.max(newest, (await stat(full)).mtimeMs);
  }
  return newest;
}

async function mtimeOr(file: string, fallback: number): Promise<number> {
  try {
    return (await stat(file)).mtimeMs;
  } catch {
    return fallback;
  }
}

/** True when the bundle is missing or older than any source file. */
export async function consoleIsStale(outdir = consoleAssetsDir): Promise<boolean> {
  const sources = Math.max(
    await newestMtime(path.join(consoleSourceDir, 'src')),
    ...(await Promise.all(STATIC_FILES.map((file) => mtimeOr(path.join(consoleSourceDir, file), 0)))),
  );
  const built = Math.min(
    ...(await Promise.all(['console.js', ...STATIC_FILES].map((f) => mtimeOr(path.join(outdir, f), -1)))),
  );
  return built < sources;
}

/**
 * Bundles console/src/main.ts with esbuild (minified, one ES module, no source maps) and copies the
 * page and the stylesheet beside it. Each file is written under a temporary name and renamed, so
 * servers starting at the same time never serve half a file.
 */
export async function buildConsole(outdir = consoleAssetsDir): Promise<void> {
  await mkdir(outdir, { recursive: true });
  const suffix = `.tmp-${process.pid}-${Date.now()}`;
  const result = await build({
    entryPoints: [path.join(consoleSourceDir, 'src', 'main.ts')],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: ['es2022'],
    minify: true,
    legalComments: 'none',
    write: false,
    outfile: path.join(outdir, 'console.js'),
    logLevel: 'silent',
  });
  for (const file of result.outputFiles) {
    await writeFile(file.path + suffix, file.contents);
    await rename(file.path + suffix, file.path);
  }
  for (const name of STATIC_FILES) {
    const target = path.join(outdir, name);
    await copyFile(path.join(consoleSourceDir, name), target + suffix);
    await rename(target + suffix, target);
  }
}

/** Builds the console when its bundle is missing or stale (the ordinary `npm start` path). */
export async function ensureConsoleBuilt(outdir = consoleAssetsDir): Promise<boolean> {
  if (!(await consoleIsStale(outdir))) return false;
  await buildConsole(outdir);
  return true;
}

// `node --import tsx src/http/console/build-assets.ts` builds it by hand
if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  await buildConsole();
}

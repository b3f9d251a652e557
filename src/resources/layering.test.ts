import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const src = fileURLToPath(new URL('..', import.meta.url));

/** The `src/...` modules each TypeScript file under `dir` imports (relative imports, resolved). */
async function importsUnder(dir: string): Promise<Array<{ file: string; target: string }>> {
  const entries = await readdir(path.join(src, dir), { recursive: true, withFileTypes: true });
  const files = entries
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts'))
    .map((entry) => path.join(entry.parentPath, entry.name));
  const found: Array<{ file: string; target: string }> = [];
  for (const file of files) {
    const text = await readFile(file, 'utf8');
    for (const match of text.matchAll(/\bfrom\s+'(\.[^']+)'|\bimport\s*\(\s*'(\.[^']+)'/g)) {
      const specifier = match[1] ?? match[2] ?? '';
      found.push({
        file: path.relative(src, file),
        target: path.relative(src, path.resolve(path.dirname(file), specifier)),
      });
    }
  }
  return found;
}

const into = (imports: Array<{ file: string; target: string }>, dirs: string[]) =>
  imports.filter(({ target }) =>
    dirs.some((dir) => target === dir || target.startsWith(`${dir}${path.sep}`)),
  );

describe('one home per resource: src/resources sits below the API and the CLI', () => {
  it('the CLI imports nothing from src/http', async () => {
    const cli = await importsUnder('cli');
    expect(cli.length).toBeGreaterThan(0);
    expect(into(cli, ['http'])).toEqual([]);
    expect(into(cli, ['resources']).length).toBeGreaterThan(0);
  });

  it('src/resources imports neither src/http nor src/cli', async () => {
    expect(into(await importsUnder('resources'), ['http', 'cli'])).toEqual([]);
  });
});

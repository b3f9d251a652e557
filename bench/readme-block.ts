// Generated blocks of bench/README.md: the text between `<!-- NAME:begin -->` and `<!-- NAME:end -->`
// is replaced (the block is appended under `heading` when missing), then the file is formatted with
// the project's prettier settings so `prettier --check` stays green.
import { execFileSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import prettier from 'prettier';

const readme = new URL('./README.md', import.meta.url);

export async function writeReadmeBlock(name: string, heading: string, markdown: string) {
  const [begin, end] = [`<!-- ${name}:begin -->`, `<!-- ${name}:end -->`];
  const text = await readFile(readme, 'utf8');
  const block = `${begin}\n\n${markdown.trim()}\n\n${end}`;
  const from = text.indexOf(begin);
  const to = text.indexOf(end);
  const updated =
    from >= 0 && to > from
      ? `${text.slice(0, from)}${block}${text.slice(to + end.length)}`
      : `${text.trimEnd()}\n\n${heading}\n\n${block}\n`;
  const options = (await prettier.resolveConfig(readme)) ?? {};
  await writeFile(readme, await prettier.format(updated, { ...options, parser: 'markdown' }));
}

/** The commit measured, for the block's first line (with "+changes" when the work tree differs). */
export function commit() {
  const git = (...args: string[]) =>
    execFileSync('git', args, { cwd: new URL('..', import.meta.url), encoding: 'utf8' }).trim();
  try {
    return `${git('rev-parse', '--short', 'HEAD')}${git('status', '--porcelain', '--untracked-files=no') ? '+changes' : ''}`;
  } catch {
    return 'unknown';
  }
}

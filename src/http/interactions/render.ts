import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const viewsDir = fileURLToPath(new URL('../../../views/', import.meta.url));

const escapeHtml = (value: string) =>
  value.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  );

function fill(template: string, vars: Record<string, string>): string {
  return template
    .replace(/\{\{\{(\w+)\}\}\}/g, (_, name: string) => vars[name] ?? '')
    .replace(/\{\{(\w+)\}\}/g, (_, name: string) => escapeHtml(vars[name] ?? ''));
}

/** Renders `views/<name>.html` inside the layout; templates are read once. */
export function createRenderer() {
  const cache = new Map<string, string>();
  const template = (name: string) => {
    let text = cache.get(name);
    if (text === undefined) {
      text = readFileSync(`${viewsDir}${name}.html`, 'utf8');
      cache.set(name, text);
    }
    return text;
  };
  return (name: string, title: string, vars: Record<string, string> = {}, error?: string): string =>
    fill(template('layout'), {
      title,
      content: fill(template(name), {
        ...vars,
        error: error ? `<p class="error" role="alert">${escapeHtml(error)}</p>` : '',
      }),
    });
}

export type Render = ReturnType<typeof createRenderer>;

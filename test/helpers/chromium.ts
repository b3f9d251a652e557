import { mkdir } from 'node:fs/promises';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';

/** Debian's chromium (`.ci/install-chromium`); Playwright's own browser download is not used. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/** Screenshots land here (git-ignored) for people to look at. */
export const ARTIFACTS_DIR = fileURLToPath(new URL('../artifacts/console/', import.meta.url));

/** A page that records the console errors and CSP violations it meets, so tests can assert there were none. */
export type ConsolePage = Page & { problems: string[] };
export type ChromiumSession = {
  browser: Browser;
  /**
   * A page `width` pixels wide in a context of its own (its own cookies, so its own sign-in),
   * recording console errors and CSP violations in `problems`.
   */
  newPage(width?: number): Promise<ConsolePage>;
  close(): Promise<void>;
};

/**
 * A real chromium driven by playwright-core. Playwright gives each launch a fresh temporary
 * profile (user-data-dir) and removes it on close.
 */
export async function launchChromium(): Promise<ChromiumSession> {
  await mkdir(ARTIFACTS_DIR, { recursive: true });
  if (!existsSync(CHROMIUM_PATH))
    throw new Error(
      `no chromium at ${CHROMIUM_PATH}: run \`bash .ci/install-chromium\` or set CHROMIUM_PATH`,
    );
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: FLAGS });
  return {
    browser,
    async newPage(width = 1280) {
      const context = await browser.newContext({ viewport: { width, height: 900 } });
      const page = (await context.newPage()) as ConsolePage;
      page.problems = [];
      page.setDefaultTimeout(15_000);
      page.on('console', (msg) => {
        // refusals of the API (403, 409) are the console's to show, not problems of the page
        if (msg.type() === 'error' && !/status of (403|409) /.test(msg.text()))
          page.problems.push(msg.text());
      });
      page.on('pageerror', (error) => page.problems.push(error.message));
      // the page's context goes with it; when the browser itself is closing, the context already is
      page.on('close', () => void context.close().catch(() => undefined));
      return page;
    },
    close: () => browser.close(),
  };
}

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/**
 * Runs axe-core in the page and returns its serious and critical violations. axe is evaluated
 * through the DevTools protocol: a script tag would be (rightly) refused by the console's CSP.
 */
export async function seriousViolations(page: Page): Promise<string[]> {
  await page.evaluate(axeSource);
  const violations = await page.evaluate(async () => {
    const axe = (
      globalThis as unknown as {
        axe: {
          run(): Promise<{
            violations: Array<{ id: string; impact: string; nodes: Array<{ target: unknown }> }>;
          }>;
        };
      }
    ).axe;
    const result = await axe.run();
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      targets: v.nodes.map((n) => JSON.stringify(n.target)),
    }));
  });
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.targets.join(', ')}`);
}

/** Saves a full-page screenshot under test/artifacts/console/. */
export async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: path.join(ARTIFACTS_DIR, `${name}.png`), fullPage: true });
}

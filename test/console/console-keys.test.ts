import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OwnerRef } from '../../src/domain/types.ts';
import { launchChromium, screenshot, seriousViolations, type ChromiumSession } from '../helpers/chromium.ts';
import { signInToConsole } from '../helpers/console-session.ts';
import { adminClient, fixtures, ownerPath } from '../helpers/fixtures.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';

/**
 * The console in a real chromium against the real server: an org admin signs in, sees their
 * organization and its store, and creates, edits, rotates and deletes keys; refusals of the API
 * show its own detail; the chart follows reservations changed elsewhere.
 */
let server: TestServer;
let browser: ChromiumSession;
const cli = { kind: 'cli' } as const;
const PASSWORD = 'correct horse battery staple';
const suffix = randomUUID().slice(0, 6);
let org: { id: string; name: string };
let store: { id: string; name: string };
let storeRef: OwnerRef;
const email = `admin-${suffix}@example.com`;

beforeAll(async () => {
  server = await startTestServer();
  browser = await launchChromium();
  const { organizations, users, memberships } = server.runtime.domain;
  org = await organizations.createOrganization(cli, { name: `Acme ${suffix}`, rateLimit: 200 });
  store = await organizations.createStore(cli, org.id, { name: `Acme EU ${suffix}`, rateLimit: 100 });
  storeRef = { type: 'store', id: store.id };
  await users.create(cli, { email, password: PASSWORD });
  await memberships.add(cli, { type: 'organization', id: org.id }, { email, role: 'org_admin' });
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
});

const operatorKey = async () =>
  fixtures(server.runtime, server.url).key({ type: 'organization', id: org.id });
const apiAsOrgKey = async () => {
  const f = fixtures(server.runtime, server.url);
  return adminClient(server.url, await f.token(await operatorKey()));
};
const canMint = async (clientId: string, secret: string) =>
  (
    await fetch(`${server.url}/token`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${clientId}:${secret}`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: 'grant_type=client_credentials',
    })
  ).status === 200;

describe('the console for an org admin', { timeout: 90_000 }, () => {
  it('signs in through the real pages and lists the owners by name in the navigation', async () => {
    const page = await browser.newPage();
    await signInToConsole(page, server.config.issuer, email, PASSWORD);
    const nav = page.getByRole('navigation', { name: 'Owners' });
    await nav.getByRole('link', { name: org.name }).waitFor();
    await nav.getByRole('link', { name: store.name }).waitFor();
    expect(await nav.getByRole('link').allTextContents()).toEqual([org.name, store.name]);
    await screenshot(page, 'home-1280');
    expect(await seriousViolations(page)).toEqual([]);
    expect(page.problems).toEqual([]);
    await page.close();
  });

  it('creates a key, shows its secret once in a dialog, and the secret works', async () => {
    const page = await browser.newPage();
    await signInToConsole(page, server.config.issuer, email, PASSWORD);
    await page.getByRole('navigation', { name: 'Owners' }).getByRole('link', { name: store.name }).click();
    await page.getByRole('heading', { level: 1, name: store.name }).waitFor();
    await page.getByRole('figure', { name: /^Rate limit/ }).waitFor();
    await page.getByRole('button', { name: 'Create key' }).click();
    const form = page.getByRole('dialog', { name: 'Create key' });
    await form.getByLabel('Name', { exact: true }).fill('checkout');
    await form.getByLabel('Reserved rate limit').fill('30');
    await form.getByText('70 of 100 left').waitFor();
    await form.getByLabel('Allowed origins').fill('https://shop.example.com');
    await screenshot(page, 'create-key-dialog');
    await form.getByRole('button', { name: 'Create' }).click();

    const dialog = page.getByRole('dialog', { name: /Client secret of checkout/ });
    const secret = await dialog.getByLabel('Client secret', { exact: true }).inputValue();
    expect(secret).toMatch(/^appkeys_sk_[A-Za-z0-9_-]{43}$/);
    await screenshot(page, 'secret-dialog');
    await dialog.getByRole('button', { name: 'Done' }).click();
    await dialog.waitFor({ state: 'detached' });
    // shown once: the page holds it nowhere any more
    expect(await page.content()).not.toContain(secret);

    const table = page.getByRole('table', { name: 'Application keys' });
    const row = table.getByRole('row', { name: /checkout/ });
    await row.waitFor();
    const clientId = (await row.locator('code').textContent()) ?? '';
    expect(clientId).toMatch(/^appkeys_/);
    expect(await row.textContent()).toContain('30/s');
    expect(await canMint(clientId, secret)).toBe(true);
    const stored = await (await apiAsOrgKey()).get(`${ownerPath(storeRef)}/application-keys?page[limit]=100`);
    expect(stored.body.data.find((k: { name: string }) => k.name === 'checkout')).toMatchObject({
      client_id: clientId,
      reserved_rate_limit: 30,
      allowed_origins: ['https://shop.example.com'],
    });
    await screenshot(page, 'store-1280');
    expect(await seriousViolations(page)).toEqual([]);
    expect(page.problems).toEqual([]);
    await page.close();
  });

  it("shows a refused reservation inline with the API's own detail, and keeps the form open", async () => {
    const page = await browser.newPage();
    await signInToConsole(page, server.config.issuer, email, PASSWORD);
    await page.goto(`${server.config.issuer}/console/stores/${store.id}`);
    await page.getByRole('button', { name: 'Create key' }).click();
    const form = page.getByRole('dialog', { name: 'Create key' });
    await form.getByLabel('Name', { exact: true }).fill('greedy');
    await form.getByLabel('Reserved rate limit').fill('71');
    await form.getByText('-1 of 100 left').waitFor();
    await form.getByRole('button', { name: 'Create' }).click();
    const alert = form.getByRole('alert');
    await alert.getByText(/71/).waitFor();

    // the same request straight to the API: the console shows exactly its detail
    const direct = await (
      await apiAsOrgKey()
    ).post(`${ownerPath(storeRef)}/application-keys`, {
      data: { type: 'application_key', name: 'greedy', reserved_rate_limit: 71 },
    });
    expect(direct.status).toBe(409);
    expect(await alert.textContent()).toBe(direct.body.errors[0].detail);
    await screenshot(page, 'conflict-inline');
    expect(await form.getByLabel('Name', { exact: true }).inputValue()).toBe('greedy');
    await page.keyboard.press('Escape');
    await form.waitFor({ state: 'detached' });
    await page.close();
  });

  it('redraws the chart within seconds when a reservation changes elsewhere', async () => {
    const page = await browser.newPage();
    await signInToConsole(page, server.config.issuer, email, PASSWORD);
    await page.goto(`${server.config.issuer}/console/stores/${store.id}`);
    const figure = page.getByRole('figure', { name: /^Rate limit/ });
    await figure.getByText(/30 reserved, 70 in the shared pool/).waitFor();
    expect(await figure.getByRole('listitem').allTextContents()).toEqual(
      expect.arrayContaining([expect.stringMatching(/^checkout: 30 per second/)]),
    );
    // changed by the CLI, not through this page: the chart polls
    const { data: keys } = (
      await (await apiAsOrgKey()).get(`${ownerPath(storeRef)}/application-keys?page[limit]=100`)
    ).body as { data: Array<{ id: string; name: string }> };
    const checkout = keys.find((k) => k.name === 'checkout')!;
    await server.runtime.domain.applicationKeys.update(cli, storeRef, checkout.id, { reservedRateLimit: 55 });
    await figure.getByText(/55 reserved, 45 in the shared pool/).waitFor();
    expect(await figure.getByRole('listitem').allTextContents()).toEqual(
      expect.arrayContaining([expect.stringMatching(/^checkout: 55 per second/)]),
    );

    // live use: a key calling the API shows up inside its reservation within a poll or two
    const f = fixtures(server.runtime, server.url);
    const busy = await f.key(storeRef, { name: 'busy', reservedRateLimit: 5 });
    const busyApi = adminClient(server.url, await f.token(busy));
    let calling = true;
    const calls = (async () => {
      while (calling) {
        await busyApi.get(`${ownerPath(storeRef)}/application-keys?page[limit]=1`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    })();
    try {
      await figure.getByText(/^busy: 5 per second, [1-9]\d* in use$/).waitFor();
      await figure.getByText(/last minute \(now [1-9]\d*\)/).waitFor();
      await screenshot(page, 'chart-live-use');
    } finally {
      calling = false;
      await calls;
    }
    await server.runtime.domain.applicationKeys.remove(cli, storeRef, busy.id);
    await page.close();
  });

  it('shows the API warning where it applies, and the 429 that follows an emptied shared pool', async () => {
    const page = await browser.newPage();
    await signInToConsole(page, server.config.issuer, email, PASSWORD);
    await page.goto(`${server.config.issuer}/console/organizations/${org.id}`);
    await page.getByRole('button', { name: 'Create key' }).click();
    const form = page.getByRole('dialog', { name: 'Create key' });
    await form.getByLabel('Name', { exact: true }).fill('everything');
    await form.getByLabel('Reserved rate limit').fill('200');
    await form.getByText('0 of 200 left').waitFor();
    await form.getByRole('button', { name: 'Create' }).click();
    const dialog = page.getByRole('dialog', { name: /Client secret of everything/ });
    try {
      await dialog.getByText(/shared pool is now empty/i).waitFor();
      // the copy button puts the secret on the clipboard
      await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], {
        origin: new URL(server.config.issuer).origin,
      });
      await dialog.getByRole('button', { name: 'Copy client secret' }).click();
      expect(await page.evaluate<string>('navigator.clipboard.readText()')).toBe(
        await dialog.getByLabel('Client secret', { exact: true }).inputValue(),
      );
      await dialog.getByRole('button', { name: 'Done' }).click();
      await page
        .getByRole('status')
        .getByText(/shared pool is now empty/i)
        .waitFor();
      // people are charged to the shared pool, now empty: the chart says what the API says
      await page
        .getByRole('figure', { name: /^Rate limit/ })
        .getByText(/^Could not refresh: .+/)
        .waitFor();
      await screenshot(page, 'shared-pool-empty');
    } finally {
      const { items } = await server.runtime.domain.applicationKeys.list(
        cli,
        { type: 'organization', id: org.id },
        { offset: 0, limit: 100 },
      );
      const everything = items.find((key) => key.name === 'everything');
      if (everything)
        await server.runtime.domain.applicationKeys.remove(
          cli,
          { type: 'organization', id: org.id },
          everything.id,
        );
      // the server applies the change within a second: wait until the organization admits requests again
      const key = await operatorKey();
      const f = fixtures(server.runtime, server.url);
      for (let tries = 0; tries < 50; tries++) {
        const admitted = await f
          .token(key)
          .then((token) => adminClient(server.url, token).get(`/v2/organizations/${org.id}`))
          .then((response) => response.status === 200)
          .catch(() => false);
        if (admitted) break;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
    await page.close();
  });

  it('edits, rotates (old secret dead, new one shown once) and deletes a key after confirmation', async () => {
    const made = await server.runtime.domain.applicationKeys.create(cli, storeRef, {
      name: 'batch',
      reservedRateLimit: 5,
    });
    const page = await browser.newPage();
    await signInToConsole(page, server.config.issuer, email, PASSWORD);
    await page.goto(`${server.config.issuer}/console/stores/${store.id}`);
    const table = page.getByRole('table', { name: 'Application keys' });

    await table.getByRole('button', { name: 'Edit batch' }).click();
    const edit = page.getByRole('dialog', { name: 'Edit batch' });
    await edit.getByLabel('Reserved rate limit').fill('10');
    await edit.getByText('35 of 100 left').waitFor(); // 55 reserved by checkout
    await edit.getByRole('button', { name: 'Save' }).click();
    await table.getByRole('row', { name: /batch/ }).getByText('10/s').waitFor();

    await table.getByRole('button', { name: 'Rotate secret batch' }).click();
    await page
      .getByRole('dialog', { name: /Rotate the secret of batch/ })
      .getByRole('button', { name: 'Rotate secret' })
      .click();
    const secretDialog = page.getByRole('dialog', { name: /Client secret of batch/ });
    const newSecret = await secretDialog.getByLabel('Client secret', { exact: true }).inputValue();
    expect(newSecret).not.toBe(made.secret);
    expect(await canMint(made.key.clientId, newSecret)).toBe(true);
    expect(await canMint(made.key.clientId, made.secret ?? '')).toBe(false);
    await secretDialog.getByRole('button', { name: 'Done' }).click();

    // cancelling a deletion deletes nothing
    await table.getByRole('button', { name: 'Delete batch' }).click();
    await page.getByRole('dialog', { name: 'Delete batch?' }).getByRole('button', { name: 'Cancel' }).click();
    expect(await canMint(made.key.clientId, newSecret)).toBe(true);

    await table.getByRole('button', { name: 'Delete batch' }).click();
    const confirm = page.getByRole('dialog', { name: 'Delete batch?' });
    await screenshot(page, 'delete-confirmation');
    await confirm.getByRole('button', { name: 'Delete key' }).click();
    await table.getByRole('row', { name: /batch/ }).waitFor({ state: 'detached' });
    expect(await canMint(made.key.clientId, newSecret)).toBe(false);
    expect(page.problems).toEqual([]);
    await page.close();
  });

  it('filters keys unused for N days and pages through them', async () => {
    const page = await browser.newPage();
    await signInToConsole(page, server.config.issuer, email, PASSWORD);
    for (let i = 0; i < 21; i++)
      await server.runtime.domain.applicationKeys.create(
        cli,
        { type: 'organization', id: org.id },
        { name: `job-${String(i).padStart(2, '0')}` },
      );
    await page.goto(`${server.config.issuer}/console/organizations/${org.id}`);
    await page.getByRole('heading', { level: 1, name: org.name }).waitFor();
    const table = page.getByRole('table', { name: 'Application keys' });
    await page.getByText(/^Keys 1–20 of \d+$/).waitFor();
    const firstPage = await table.locator('tbody th').allTextContents();
    expect(firstPage).toHaveLength(20);
    await page.getByRole('button', { name: 'Next page' }).click();
    await page.getByText(/^Keys 21–\d+ of \d+$/).waitFor();
    const secondPage = await table.locator('tbody th').allTextContents();
    await screenshot(page, 'organization-1280');
    expect(secondPage.some((name) => firstPage.includes(name))).toBe(false);
    // nothing was made a day ago
    await page.getByLabel('Unused for at least (days)').fill('1');
    await page.getByRole('button', { name: 'Filter' }).click();
    await table.getByText('No key matches the filter.').waitFor();
    await page.close();
  });

  it('can be used with the keyboard alone: open the form, fill it, create, close the secret', async () => {
    const page = await browser.newPage();
    await signInToConsole(page, server.config.issuer, email, PASSWORD);
    await page.goto(`${server.config.issuer}/console/stores/${store.id}`);
    await page.getByRole('button', { name: 'Create key' }).waitFor();
    const focused = () => page.evaluate<string>("document.activeElement?.textContent ?? ''");
    let steps = 0;
    while ((await focused()) !== 'Create key' && steps++ < 40) await page.keyboard.press('Tab');
    // focus is visible: the focused control draws an outline
    const outline = await page.evaluate<string>('getComputedStyle(document.activeElement).outlineStyle');
    expect(outline).toBe('solid');
    await page.keyboard.press('Enter');
    const form = page.getByRole('dialog', { name: 'Create key' });
    await form.waitFor();
    expect(await page.evaluate<string>("document.activeElement?.id ?? ''")).toBe(
      await form.getByLabel('Name', { exact: true }).getAttribute('id'),
    );
    await page.keyboard.type('keyboard-only');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Control+A');
    await page.keyboard.type('1');
    await page.keyboard.press('Enter');
    const secret = page.getByRole('dialog', { name: /Client secret of keyboard-only/ });
    await secret.waitFor();
    await page.keyboard.press('Escape');
    await secret.waitFor({ state: 'detached' });
    await page
      .getByRole('table', { name: 'Application keys' })
      .getByRole('row', { name: /keyboard-only/ })
      .waitFor();
    await page.close();
  });

  it('fits a 375-pixel-wide screen without sideways scrolling of the page', async () => {
    const page = await browser.newPage(375);
    await signInToConsole(page, server.config.issuer, email, PASSWORD);
    await page.goto(`${server.config.issuer}/console/stores/${store.id}`);
    await page.getByRole('figure', { name: /^Rate limit: 100/ }).waitFor();
    await page
      .getByRole('table', { name: 'Application keys' })
      .getByRole('row', { name: /checkout/ })
      .waitFor();
    expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(375);
    await screenshot(page, 'store-375');
    expect(await seriousViolations(page)).toEqual([]);
    await page.goto(`${server.config.issuer}/console/account`);
    await page.getByRole('heading', { level: 1, name: 'Your account' }).waitFor();
    expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(375);
    await screenshot(page, 'account-375');
    await page.close();
  });

  it('shows names chosen by other people as text, never as markup', async () => {
    const hostile = '<img src=x onerror="window.__owned=1">';
    await server.runtime.domain.applicationKeys.create(cli, storeRef, { name: hostile });
    const page = await browser.newPage();
    await signInToConsole(page, server.config.issuer, email, PASSWORD);
    await page.goto(`${server.config.issuer}/console/stores/${store.id}`);
    const table = page.getByRole('table', { name: 'Application keys' });
    await table.getByRole('rowheader', { name: hostile }).waitFor();
    expect(await table.locator('img').count()).toBe(0);
    expect(await page.evaluate<unknown>('window.__owned')).toBeUndefined();
    await page.close();
  });

  it('shows nothing of an owner the person does not belong to', async () => {
    const other = await server.runtime.domain.organizations.createOrganization(cli, {
      name: `Other ${suffix}`,
      rateLimit: 10,
    });
    const page = await browser.newPage();
    await signInToConsole(page, server.config.issuer, email, PASSWORD);
    await page.goto(`${server.config.issuer}/console/organizations/${other.id}`);
    await page.getByRole('heading', { level: 1, name: 'Not found' }).waitFor();
    expect(await page.getByRole('navigation', { name: 'Owners' }).textContent()).not.toContain(other.name);
    expect(await page.content()).not.toContain(other.name);
    await page.close();
  });
});

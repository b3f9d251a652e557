import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { base32Decode, totpAt } from '../../src/domain/totp.ts';
import type { Locator } from 'playwright-core';
import type { OwnerRef } from '../../src/domain/types.ts';
import { launchChromium, screenshot, seriousViolations, type ChromiumSession } from '../helpers/chromium.ts';
import { signInToConsole } from '../helpers/console-session.ts';
import { adminClient, fixtures, ownerPath } from '../helpers/fixtures.ts';
import { signIn } from '../helpers/sign-in.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';

/**
 * People in the console, in a real chromium: a store owner delegates key management and sets the
 * second-factor policy; the delegate sees only the keys, enrols TOTP from the QR code's secret,
 * signs out, and signs in again with the code; a live session signs in again silently.
 */
let server: TestServer;
let browser: ChromiumSession;
const cli = { kind: 'cli' } as const;
const PASSWORD = 'correct horse battery staple';
const suffix = randomUUID().slice(0, 6);
const ownerEmail = `owner-${suffix}@example.com`;
const delegateEmail = `delegate-${suffix}@example.com`;
const adminEmail = `admin-${suffix}@example.com`;
let store: { id: string; name: string };
let storeRef: OwnerRef;
let totpSecret = '';

beforeAll(async () => {
  server = await startTestServer();
  browser = await launchChromium();
  const { organizations, users, memberships } = server.runtime.domain;
  const org = await organizations.createOrganization(cli, { name: `Shop ${suffix}`, rateLimit: 200 });
  store = await organizations.createStore(cli, org.id, { name: `Shop FR ${suffix}`, rateLimit: 100 });
  storeRef = { type: 'store', id: store.id };
  for (const [email, role] of [
    [ownerEmail, 'store_owner'],
    [delegateEmail, 'store_member'],
    [adminEmail, 'store_admin'],
  ] as const) {
    await users.create(cli, { email, password: PASSWORD });
    await memberships.add(cli, storeRef, { email, role });
  }
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
});

const storeApi = async () => {
  const f = fixtures(server.runtime, server.url);
  return adminClient(server.url, await f.token(await f.key(storeRef)));
};
const memberOf = async (email: string) =>
  (
    (await (await storeApi()).get(`${ownerPath(storeRef)}/members?page[limit]=100`)).body.data as Array<{
      email: string;
      permissions: { manage_application_keys: boolean };
    }>
  ).find((m) => m.email === email);
/** The "Second factor" cell of a member's row in the console's members table. */
const secondFactorOf = async (members: Locator, email: string) => {
  const column = (await members.getByRole('columnheader').allTextContents()).indexOf('Second factor');
  return members
    .getByRole('row', { name: new RegExp(email) })
    .locator('th, td')
    .nth(column)
    .textContent();
};
const codeAt = (offsetSteps: number) =>
  totpAt(base32Decode(totpSecret), Math.floor(Date.now() / 30_000) + offsetSteps);

describe('people in the console', { timeout: 120_000 }, () => {
  it('a store owner grants key management to a member, and sees who has a second factor', async () => {
    const page = await browser.newPage();
    await signInToConsole(page, server.config.issuer, ownerEmail, PASSWORD);
    await page.getByRole('navigation', { name: 'Owners' }).getByRole('link', { name: store.name }).click();
    await page.getByRole('heading', { level: 1, name: store.name }).waitFor();
    const members = page.getByRole('table', { name: 'Members' });
    const toggle = members.getByRole('button', { name: `Key management for ${delegateEmail}` });
    expect(await toggle.getAttribute('aria-pressed')).toBe('false');
    await toggle.click();
    await members
      .locator(`[aria-label="Key management for ${delegateEmail}"][aria-pressed="true"]`)
      .waitFor();
    expect((await memberOf(delegateEmail))?.permissions.manage_application_keys).toBe(true);
    expect(await members.getByRole('columnheader').allTextContents()).toContain('Second factor');
    expect(await secondFactorOf(members, delegateEmail)).toBe('no');
    await screenshot(page, 'store-owner-1280');
    expect(await seriousViolations(page)).toEqual([]);
    expect(page.problems).toEqual([]);
    await page.close();
  });

  it('a store owner adds and removes a member, and the audit trail says who did it', async () => {
    const newcomer = `newcomer-${suffix}@example.com`;
    await server.runtime.domain.users.create(cli, { email: newcomer, password: PASSWORD });
    const page = await browser.newPage();
    await signInToConsole(page, server.config.issuer, ownerEmail, PASSWORD);
    await page.goto(`${server.config.issuer}/console/stores/${store.id}`);
    const members = page.getByRole('table', { name: 'Members' });
    await members.getByRole('rowheader', { name: ownerEmail }).waitFor();
    await page.getByLabel('Email', { exact: true }).fill(newcomer);
    await page.getByLabel('Role', { exact: true }).selectOption('store_admin');
    await page.getByRole('button', { name: 'Add member' }).click();
    await members
      .getByRole('row', { name: new RegExp(newcomer) })
      .getByText('Store admin')
      .waitFor();
    expect(await memberOf(newcomer)).toBeDefined();

    await members.getByRole('button', { name: `Remove ${newcomer}` }).click();
    await page
      .getByRole('dialog', { name: `Remove ${newcomer}?` })
      .getByRole('button', { name: 'Remove member' })
      .click();
    await members.getByRole('row', { name: new RegExp(newcomer) }).waitFor({ state: 'detached' });
    expect(await memberOf(newcomer)).toBeUndefined();

    // newest first, and the person's own actions are theirs
    await page.reload();
    const audit = page.getByRole('table', { name: 'Audit trail' });
    await audit.getByRole('row', { name: /member\.removed/ }).waitFor();
    const rows = await audit.locator('tbody tr').allInnerTexts();
    const removed = rows.findIndex((row) => row.includes('member.removed'));
    const added = rows.findIndex((row) => row.includes('member.added') && row.includes('store_admin'));
    expect(removed).toBeGreaterThanOrEqual(0);
    expect(added).toBeGreaterThan(removed);
    expect(rows[removed]).toMatch(/\byou\b/);
    await screenshot(page, 'members-audit');
    await page.close();
  });

  it('a store admin gives a new key only keys:read, and the API key has exactly that scope', async () => {
    const page = await browser.newPage();
    await signInToConsole(page, server.config.issuer, adminEmail, PASSWORD);
    await page.goto(`${server.config.issuer}/console/stores/${store.id}`);
    await page.getByRole('button', { name: 'Create key' }).click();
    const form = page.getByRole('dialog', { name: 'Create key' });
    const boxes = form.getByRole('checkbox');
    // what GET /v2/me says a store admin holds on a store: every admin scope but stores:write
    const me = await adminClient(
      server.url,
      (await signIn(server.config.issuer, adminEmail, PASSWORD)).access_token,
    ).get('/v2/me');
    const held = (me.body.data.memberships as Array<{ owner: OwnerRef; scopes: string[] }>).find(
      (m) => m.owner.id === store.id,
    )?.scopes;
    expect(held).not.toContain('stores:write');
    expect(await boxes.evaluateAll((all) => all.map((b) => (b as { value: string }).value))).toEqual(held);
    await form.getByLabel('Name', { exact: true }).fill('read-only');
    for (const scope of held ?? []) if (scope !== 'keys:read') await form.getByLabel(scope).uncheck();
    await form.getByRole('button', { name: 'Create' }).click();
    await page
      .getByRole('dialog', { name: /Client secret of read-only/ })
      .getByRole('button', { name: 'Done' })
      .click();
    await page
      .getByRole('table', { name: 'Application keys' })
      .getByRole('row', { name: /read-only/ })
      .getByRole('cell', { name: 'keys:read', exact: true })
      .waitFor();
    const keys = (await (await storeApi()).get(`${ownerPath(storeRef)}/application-keys?page[limit]=100`))
      .body.data as Array<{ name: string; scopes: string[] }>;
    expect(keys.find((k) => k.name === 'read-only')?.scopes).toEqual(['keys:read']);
    expect(page.problems).toEqual([]);
    await page.close();
  });

  it('the delegate sees the keys and nothing else of the store, and may give only the scopes it holds', async () => {
    const page = await browser.newPage();
    await signInToConsole(page, server.config.issuer, delegateEmail, PASSWORD);
    const links = page.getByRole('navigation', { name: 'Owners' }).getByRole('link');
    expect(await links.count()).toBe(1);
    // named by GET /v2/me, though the delegate may not read the store itself
    expect(await links.first().textContent()).toBe(store.name);
    await links.first().click();
    await page.getByRole('heading', { level: 1, name: store.name }).waitFor();
    await page.getByRole('table', { name: 'Application keys' }).waitFor();
    for (const heading of ['Members', 'Store settings', 'Audit trail'])
      expect(await page.getByRole('heading', { name: heading }).count()).toBe(0);
    // the rate-limit view is not the delegate's: the chart goes away after the API refuses it
    await page.getByRole('figure').waitFor({ state: 'detached' });
    await page.getByRole('button', { name: 'Create key' }).click();
    const form = page.getByRole('dialog', { name: 'Create key' });
    await form.waitFor();
    expect(
      await form
        .getByRole('checkbox')
        .evaluateAll((boxes) => boxes.map((b) => (b as { value: string }).value)),
    ).toEqual(['keys:read', 'keys:write']);
    await form.getByLabel('Name', { exact: true }).fill('delegated');
    await form.getByRole('button', { name: 'Create' }).click();
    const secret = page.getByRole('dialog', { name: /Client secret of delegated/ });
    expect(await secret.getByLabel('Client secret', { exact: true }).inputValue()).toMatch(/^appkeys_sk_/);
    await secret.getByRole('button', { name: 'Done' }).click();
    await page
      .getByRole('table', { name: 'Application keys' })
      .getByRole('row', { name: /delegated/ })
      .waitFor();
    const keys = (await (await storeApi()).get(`${ownerPath(storeRef)}/application-keys?page[limit]=100`))
      .body.data as Array<{ name: string; scopes: string[] }>;
    expect(keys.find((k) => k.name === 'delegated')?.scopes).toEqual(['keys:read', 'keys:write']);
    await screenshot(page, 'delegate-1280');
    expect(await seriousViolations(page)).toEqual([]);
    await page.close();
  });

  it('the store owner requires a second factor; the delegate without one is refused with the API detail', async () => {
    const owner = await browser.newPage();
    await signInToConsole(owner, server.config.issuer, ownerEmail, PASSWORD);
    await owner.goto(`${server.config.issuer}/console/stores/${store.id}`);
    await owner.getByLabel('Require a second factor for key managers').check();
    await owner.getByRole('button', { name: 'Save settings' }).click();
    await owner.getByText('Key managers now need a second factor.').waitFor();
    expect((await (await storeApi()).get(ownerPath(storeRef))).body.data.require_2fa_for_key_managers).toBe(
      true,
    );
    await owner.close();

    const page = await browser.newPage();
    await signInToConsole(page, server.config.issuer, delegateEmail, PASSWORD);
    await page.goto(`${server.config.issuer}/console/stores/${store.id}`);
    const alert = page.getByRole('alert').filter({ hasText: /./ }).first();
    await alert.waitFor();
    const direct = await adminClient(
      server.url,
      (await signIn(server.config.issuer, delegateEmail, PASSWORD)).access_token,
    ).get(`${ownerPath(storeRef)}/application-keys`);
    expect(direct.status).toBe(403);
    expect(await alert.textContent()).toBe(direct.body.errors[0].detail);
    await page.close();
  });

  it('the delegate enrols TOTP from the QR code page, signs out, and signs in with a code', async () => {
    const page = await browser.newPage();
    await signInToConsole(page, server.config.issuer, delegateEmail, PASSWORD);
    await page.getByRole('link', { name: 'Account' }).click();
    await page.getByRole('heading', { level: 1, name: 'Your account' }).waitFor();
    await page.getByRole('button', { name: 'Set up a second factor' }).click();
    const qr = page.getByRole('img', { name: 'QR code for your authenticator app' });
    await qr.waitFor();
    // drawn here, as SVG modules: a version-3+ code has more than 29 modules a side
    expect(Number((await qr.getAttribute('viewBox'))?.split(' ')[2])).toBeGreaterThan(29);
    totpSecret = await page.getByLabel('Secret key', { exact: true }).inputValue();
    expect(totpSecret).toMatch(/^[A-Z2-7]+=*$/);
    await screenshot(page, 'totp-enrolment');
    expect(await seriousViolations(page)).toEqual([]);
    await page.getByLabel('Code', { exact: true }).fill(codeAt(0));
    await page.getByRole('button', { name: 'Verify code' }).click();
    await page.getByText('Second factor enabled').waitFor();
    expect(page.problems).toEqual([]);

    await page.getByRole('button', { name: 'Sign out' }).click();
    // oidc-provider asks to confirm ending the session
    await page.locator('button[autofocus], button[type="submit"]').first().waitFor();
    await screenshot(page, 'sign-out-confirmation');
    await page.locator('button[autofocus], button[type="submit"]').first().click();
    await page.getByRole('heading', { name: 'Signed out' }).waitFor();
    await screenshot(page, 'signed-out');
    expect(await seriousViolations(page)).toEqual([]);
    await page.getByRole('button', { name: 'Sign in again' }).click();
    await page.getByLabel('Email').fill(delegateEmail);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    // a code of the next step: the one used to enrol is spent
    await page.getByLabel('Code from your authenticator app').fill(codeAt(1));
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByRole('navigation', { name: 'Owners' }).waitFor();

    // with a second factor the store's policy lets the delegate manage keys again
    await page.goto(`${server.config.issuer}/console/stores/${store.id}`);
    await page
      .getByRole('table', { name: 'Application keys' })
      .getByRole('row', { name: /delegated/ })
      .waitFor();
    await page.close();

    // and the store owner's members table now says the delegate has a second factor
    const owner = await browser.newPage();
    await signInToConsole(owner, server.config.issuer, ownerEmail, PASSWORD);
    await owner.goto(`${server.config.issuer}/console/stores/${store.id}`);
    const members = owner.getByRole('table', { name: 'Members' });
    await members.getByRole('rowheader', { name: delegateEmail }).waitFor();
    expect(await secondFactorOf(members, delegateEmail)).toBe('yes');
    expect(await secondFactorOf(members, ownerEmail)).toBe('no');
    await owner.close();
  });

  it("changes the password from the account page, and shows the API's detail on a wrong current one", async () => {
    const email = `changer-${suffix}@example.com`;
    const fresh = 'a brand new passphrase 42';
    await server.runtime.domain.users.create(cli, { email, password: PASSWORD });
    await server.runtime.domain.memberships.add(cli, storeRef, { email, role: 'store_member' });
    const page = await browser.newPage();
    await signInToConsole(page, server.config.issuer, email, PASSWORD);
    await page.getByRole('link', { name: 'Account' }).click();
    const section = page.getByRole('region', { name: 'Password' });
    await section.getByLabel('Current password').fill('not the password at all');
    await section.getByLabel(/New password/).fill(fresh);
    await section.getByRole('button', { name: 'Change password' }).click();
    const alert = section.getByRole('alert');
    await alert.filter({ hasText: /./ }).waitFor();
    const direct = await adminClient(
      server.url,
      (await signIn(server.config.issuer, email, PASSWORD)).access_token,
    ).post('/v2/me/password', { data: { current_password: 'not the password at all', new_password: fresh } });
    expect(direct.status).toBe(403);
    expect(await alert.textContent()).toBe(direct.body.errors[0].detail);

    await section.getByLabel('Current password').fill(PASSWORD);
    await section.getByLabel(/New password/).fill(fresh);
    await section.getByRole('button', { name: 'Change password' }).click();
    await section.getByRole('status').getByText('Password changed.').waitFor();
    expect(await alert.textContent()).toBe('');
    expect((await signIn(server.config.issuer, email, fresh)).access_token).toBeTruthy();
    await expect(signIn(server.config.issuer, email, PASSWORD)).rejects.toThrow(/did not complete/);
    await page.close();
  });

  it('signs in again silently while the session lives, and asks again once signed out', async () => {
    const page = await browser.newPage();
    await signInToConsole(page, server.config.issuer, ownerEmail, PASSWORD);
    const visited: string[] = [];
    page.on('request', (request) => visited.push(new URL(request.url()).pathname));
    // the token is gone (expired, say): the console gets a new one without showing a page
    await page.evaluate("sessionStorage.removeItem('appkeys.console.token')");
    await page.reload();
    await page.getByRole('navigation', { name: 'Owners' }).getByRole('link', { name: store.name }).waitFor();
    expect(visited).toContain('/auth');
    expect(visited.some((p) => p.startsWith('/interaction/'))).toBe(false);

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.locator('button[autofocus], button[type="submit"]').first().click();
    await page.getByRole('heading', { name: 'Signed out' }).waitFor();
    await page.goto(`${server.config.issuer}/console/`);
    await page.getByLabel('Email').waitFor();
    await page.close();
  });
});

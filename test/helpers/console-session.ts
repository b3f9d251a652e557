import type { Page } from 'playwright-core';

/**
 * Opens the console in `page` and signs in through the real sign-in pages (and the second-factor
 * page when `otp` is given), the way a person does: the console redirects to the authorization
 * endpoint, the server's pages take the password, the console's callback redeems the code.
 */
export async function signInToConsole(
  page: Page,
  issuer: string,
  email: string,
  password: string,
  otp?: () => string,
): Promise<void> {
  await page.goto(`${issuer}/console/`);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  if (otp) {
    await page.getByLabel('Code from your authenticator app').fill(otp());
    await page.getByRole('button', { name: 'Continue' }).click();
  }
  await page.getByRole('navigation', { name: 'Owners' }).waitFor({ timeout: 15_000 });
}

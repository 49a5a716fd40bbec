import { chromium, type Browser } from 'playwright-core';
import { ensureDebianPackage } from '@app/infra';
import { startE2EStack, type E2EStack } from '@app/testkit/e2e-stack';

let stack: E2EStack;
let browser: Browser;

beforeAll(async () => {
  const executablePath = ensureDebianPackage('chromium', 'chromium');
  [stack, browser] = await Promise.all([
    startE2EStack(),
    chromium.launch({
      executablePath,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
    }),
  ]);
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

describe('Swagger UI in a real browser', () => {
  it('loads, logs in through Authorize with a username and password, and calls /auth/me with 200', async () => {
    const page = await browser.newPage();
    const consoleErrors: string[] = [];
    page.on('pageerror', (err) => consoleErrors.push(err.message));

    await page.goto(`${stack.gatewayUrl}/docs/`);
    await page.locator('.opblock-summary-path[data-path="/auth/me"]').first().waitFor({ timeout: 20_000 });

    await page.locator('.auth-wrapper button.authorize').click();
    await page.locator('#oauth_username').fill('anurag');
    await page.locator('#oauth_password').fill('password123');
    await page.locator('.auth-btn-wrapper button.authorize').first().click();
    // Swagger UI swaps Authorize for Logout once the token endpoint answered with a token.
    await page.getByRole('button', { name: 'Logout' }).first().waitFor({ timeout: 10_000 });
    await page.getByRole('button', { name: 'Close' }).first().click();

    const operation = page.locator('.opblock-get', { has: page.locator('.opblock-summary-path[data-path="/auth/me"]') }).first();
    await operation.locator('.opblock-summary').click();
    await operation.locator('button.try-out__btn').click();
    await operation.locator('button.execute').click();
    const status = operation.locator('.live-responses-table .response .response-col_status').first();
    await status.waitFor({ timeout: 10_000 });
    expect((await status.textContent())?.trim()).toBe('200');
    expect(await operation.locator('.live-responses-table .microlight').first().textContent()).toContain('"username": "anurag"');
    expect(consoleErrors).toEqual([]);
    await page.close();
  }, 60_000);
});

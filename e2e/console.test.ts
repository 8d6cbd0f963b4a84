// The admin console in a real browser (Debian's Chromium through playwright-core) against the stack that
// `npm start` runs: sign-in, catalogue, inspector, jobs, models, settings, exploration and experiments, and
// the server refusing what a viewer may not do even when the call is sent directly. Every page leaves a
// screenshot in e2e/artifacts/screenshots/.
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildConsole } from '../apps/jobs/src/console-process.js';
import { callTrpc, launchChromium, NO_LOADING, screenshot } from './console/browser.js';
import { startConsoleStack, type ConsoleStack } from './console/stack.js';

let stack: ConsoleStack;
let browser: Browser;
let admin: BrowserContext;
let page: Page;
let apiKey = '';

const VIEWER = { email: 'viewer@example.com', password: 'viewer-password-1' };

async function signIn(target: Page, email: string, password: string): Promise<void> {
  await target.goto(`${stack.consoleUrl}/sign-in`);
  await target.getByLabel('Email', { exact: true }).fill(email);
  await target.getByLabel('Password', { exact: true }).fill(password);
  await target.getByRole('button', { name: 'Sign in' }).click();
}

/** Navigates inside the console and waits for the page's data (no loading skeleton left). */
async function open(path: string): Promise<void> {
  await page.goto(`${stack.consoleUrl}${path}`);
  await page.waitForFunction(NO_LOADING, undefined, { timeout: 30_000 });
}

function rows(testId: string, target: Page = page) {
  return target.getByTestId(testId).locator('tbody tr');
}

beforeAll(async () => {
  // Build first (when the sources changed), so npm start only serves it.
  await buildConsole();
  stack = await startConsoleStack();
  // Some live traffic on "home": latency on the overview, impressions and clicks for the arms.
  apiKey = /API key \(shown once\): (csk_\S+)/.exec(stack.output())?.[1] ?? '';
  expect(apiKey, 'npm start prints the first API key').toBeTruthy();
  await serveTraffic(1, 20);
  browser = await launchChromium();
  admin = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  page = await admin.newPage();
}, 900_000);

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

describe('the admin console', () => {
  it('rejects a wrong password, on the page and at the API', async () => {
    await signIn(page, stack.adminEmail, 'not-the-password');
    await expect.poll(() => page.locator('.form-error[role="alert"]').textContent()).toContain('wrong email or password');
    expect(new URL(page.url()).pathname).toBe('/sign-in');
    await screenshot(page, 'sign-in');
    const direct = await callTrpc(stack.consoleUrl, 'admin.auth.signIn', { email: stack.adminEmail, password: 'still-wrong' });
    expect(direct.status).toBe(401);
    expect(direct.body.error?.message).toBe('wrong email or password');
    // nothing of the admin API without a session
    const anonymous = await callTrpc(stack.consoleUrl, 'admin.overview.summary', undefined, { method: 'GET' });
    expect(anonymous.status).toBe(401);
  });

  it('signs in and shows the overview with real counts, traffic, models and latency', async () => {
    await signIn(page, stack.adminEmail, stack.adminPassword);
    await page.waitForURL(`${stack.consoleUrl}/`);
    await expect.poll(() => page.getByTestId('signed-in-user').textContent()).toBe(stack.adminEmail);
    // the session cookie is httpOnly: scripts never see it
    expect(await page.evaluate('document.cookie')).not.toContain('cascade_session');
    const cookie = (await admin.cookies()).find((c) => c.name === 'cascade_session');
    expect(cookie?.httpOnly).toBe(true);
    await expect.poll(() => page.getByTestId('count-users').textContent()).toContain('2,000');
    await expect.poll(() => page.getByTestId('count-items').textContent()).toContain('1,000');
    // the demo data lies in the past year
    await page.getByLabel('Days', { exact: true }).selectOption('365');
    await page.getByTestId('ctr-chart').locator('.recharts-bar-rectangle').first().waitFor();
    expect(await rows('active-models').count()).toBe(2);
    await page.getByTestId('latency-chart').waitFor();
    expect(await rows('stage-latency').filter({ hasText: 'recall' }).count()).toBe(1);
    await screenshot(page, 'overview');
  });

  it('browses, filters and searches items and users, and opens their details', async () => {
    await open('/catalogue/items');
    expect(await rows('items-table').count()).toBe(50);
    await expect.poll(() => page.getByTestId('pagination').textContent()).toContain('of 1,000');
    await page.getByRole('button', { name: 'Next ›' }).click();
    await page.waitForURL(/page=2/);
    await expect.poll(() => page.getByTestId('pagination').textContent()).toContain('51–100 of 1,000');
    await page.getByLabel('Category', { exact: true }).selectOption({ index: 1 });
    await expect.poll(() => page.url()).toMatch(/category=/);
    await expect.poll(async () => (await page.getByTestId('pagination').textContent()) ?? '').not.toContain('of 1,000');
    await page.getByLabel('Category', { exact: true }).selectOption('');
    await page.getByLabel('Search', { exact: true }).fill('item-77');
    await expect.poll(() => page.url()).toMatch(/q=item-77/);
    await expect.poll(() => rows('items-table').count()).toBe(11); // item-77 and item-770 … item-779
    for (const text of await rows('items-table').allTextContents()) expect(text).toContain('item-77');
    await screenshot(page, 'items');

    await page.getByRole('link', { name: 'item-77', exact: true }).click();
    await page.waitForURL(/\/catalogue\/items\/item-77$/);
    await page.getByTestId('item-attributes').waitFor();
    await expect.poll(() => rows('neighbours').count()).toBeGreaterThan(5);
    await screenshot(page, 'item-detail');

    await open('/catalogue/users');
    expect(await rows('users-table').count()).toBe(50);
    await page.getByLabel('Search', { exact: true }).fill('user-1999');
    await expect.poll(() => rows('users-table').count()).toBe(1);
    await screenshot(page, 'users');
    await page.getByRole('link', { name: 'user-1999', exact: true }).click();
    await page.waitForURL(/\/catalogue\/users\/user-1999$/);
    await expect.poll(() => rows('user-history').count()).toBeGreaterThan(0);
    await page.getByTestId('user-features').waitFor();
    await screenshot(page, 'user-detail');
  });

  it('runs the pipeline live in the inspector and shows every stage', async () => {
    await open('/inspector?user=user-1');
    await page.getByLabel('Placement', { exact: true }).fill('home');
    await page.getByRole('button', { name: 'Run pipeline' }).click();
    await page.getByTestId('stage-recall').waitFor({ timeout: 30_000 });
    expect(await page.getByTestId('stage-recall').locator('[data-testid^="recall-channel-"]').count()).toBeGreaterThan(0);
    expect(await page.getByTestId('stage-ranking').locator('tbody tr').count()).toBeGreaterThan(10);
    expect(await page.getByTestId('stage-exploration').locator('tbody tr').count()).toBe(10);
    expect(await rows('final-list').count()).toBe(10);
    await screenshot(page, 'inspector');

  });

  let trainedVersion = 0;
  it('starts a training job and watches it finish', async () => {
    await open('/jobs');
    await page.getByLabel('Job kind', { exact: true }).selectOption('train-ranker');
    await page.getByLabel('Parameters', { exact: true }).fill(JSON.stringify({ promote: false, ranker: { model: 'deepfm', epochs: 2 } }));
    await page.getByRole('button', { name: 'Start job' }).click();
    await page.waitForURL(/\/jobs\/\d+$/);
    await expect.poll(() => page.getByTestId('job-status').textContent(), { timeout: 180_000, interval: 1000 }).toBe('succeeded');
    await expect.poll(() => page.getByTestId('job-log').textContent()).toMatch(/\S/);
    await screenshot(page, 'job-detail');
    await open('/jobs');
    expect(await rows('jobs-table').filter({ hasText: 'succeeded' }).count()).toBeGreaterThan(0);
    await screenshot(page, 'jobs');
    trainedVersion = 2;
  });

  let promotedId = 0;
  it('promotes a model version with confirmation', async () => {
    expect(trainedVersion).toBe(2);
    await open('/models?kind=ranker');
    await screenshot(page, 'models');
    await page.getByRole('link', { name: 'ranker v2' }).click();
    await page.waitForURL(/\/models\/\d+$/);
    promotedId = Number(new URL(page.url()).pathname.split('/').pop());
    await page.getByTestId('model-metrics').waitFor();
    await page.getByTestId('training-curve').waitFor();
    await screenshot(page, 'model-detail');
    await page.getByRole('button', { name: 'Promote' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Promote' }).click();
    await page.getByText('Promoted: ranker v2 now serves.').waitFor();
    await expect.poll(() => page.getByRole('button', { name: 'Roll back ranker' }).count()).toBe(1);
    // a mutation without the session's CSRF token is refused, even with the admin's cookie
    const noCsrf = await callTrpc(stack.consoleUrl, 'admin.models.rollback', { kind: 'ranker' }, { cookie: await cookieHeader(admin) });
    expect(noCsrf.status).toBe(403);
    expect(noCsrf.body.error?.message).toMatch(/CSRF/);
    const list = await callTrpc(stack.consoleUrl, 'admin.models.list', { kind: 'ranker', page: 1, pageSize: 10 }, { method: 'GET', cookie: await cookieHeader(admin) });
    const versions = (list.body.result?.data as { rows: { id: number; status: string }[] }).rows;
    expect(versions.find((v) => v.id === promotedId)?.status).toBe('active');
  });

  it('compares two ranker versions side by side for the same user in the inspector', async () => {
    await open('/inspector?user=user-1&placement=home');
    await page.getByRole('tab', { name: 'Compare two model versions' }).click();
    const rankerV1 = await firstVersionId('ranker');
    await page.getByLabel('A: ranker', { exact: true }).selectOption(String(rankerV1));
    await page.getByLabel('B: ranker', { exact: true }).selectOption(String(promotedId));
    await page.getByRole('button', { name: 'Compare', exact: true }).click();
    await expect.poll(() => rows('final-list-A').count(), { timeout: 30_000 }).toBe(10);
    await expect.poll(() => rows('final-list-B').count(), { timeout: 30_000 }).toBe(10);
    const a = (await page.getByTestId('compare').locator('.card').first().textContent()) ?? '';
    const b = (await page.getByTestId('compare').locator('.card').nth(1).textContent()) ?? '';
    expect(a).toMatch(/Ranker\s*deepfm-/);
    expect(b).toMatch(/Ranker\s*pipeline-/);
    await screenshot(page, 'inspector-compare');
  });

  it('creates and revokes an API key (shown once), and adds a viewer', async () => {
    await open('/settings');
    await page.getByLabel('Key name', { exact: true }).fill('e2e storefront');
    await page.getByLabel('Scope ingest', { exact: true }).check();
    await page.getByRole('button', { name: 'Create key' }).click();
    const shown = (await page.getByTestId('new-api-key').textContent())?.trim() ?? '';
    expect(shown).toMatch(/^csk_\S{20,}$/);
    await page.getByRole('button', { name: 'Done' }).click();
    const row = rows('api-keys').filter({ hasText: 'e2e storefront' });
    await expect.poll(() => row.textContent()).toContain('active');
    // the key is not shown again anywhere
    expect(await page.content()).not.toContain(shown);
    const recommend = () =>
      fetch(`${stack.apiUrl}/trpc/recommend`, {
        method: 'POST',
        headers: { authorization: `Bearer ${shown}`, 'content-type': 'application/json' },
        body: JSON.stringify({ userId: 'user-5', placement: 'home', k: 5, log: false }),
      }).then((r) => r.status);
    expect(await recommend()).toBe(200);
    await row.getByRole('button', { name: 'Revoke' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Revoke' }).click();
    await expect.poll(() => row.textContent()).toContain('revoked');
    await expect.poll(recommend, { timeout: 10_000 }).toBe(401);

    await page.getByLabel('New user email', { exact: true }).fill(VIEWER.email);
    await page.getByLabel('New user password', { exact: true }).fill(VIEWER.password);
    await page.getByLabel('New user role', { exact: true }).selectOption('viewer');
    await page.getByRole('button', { name: 'Add user' }).click();
    await expect.poll(() => rows('admin-users').filter({ hasText: VIEWER.email }).count()).toBe(1);
    await screenshot(page, 'settings');
  });

  it('a viewer cannot promote: no button, and the server refuses the direct call', async () => {
    const viewer = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    try {
      const viewerPage = await viewer.newPage();
      await signIn(viewerPage, VIEWER.email, VIEWER.password);
      await viewerPage.waitForURL(`${stack.consoleUrl}/`);
      const rankerV1 = await firstVersionId('ranker');
      await viewerPage.goto(`${stack.consoleUrl}/models/${rankerV1}`);
      await viewerPage.getByTestId('model-metrics').waitFor();
      expect(await viewerPage.getByRole('button', { name: 'Promote' }).count()).toBe(0);
      await screenshot(viewerPage, 'model-detail-viewer');
      // the same call the page would make, sent directly with the viewer's session and CSRF token
      const cookie = await cookieHeader(viewer);
      const me = await callTrpc(stack.consoleUrl, 'admin.auth.me', undefined, { method: 'GET', cookie });
      const csrf = (me.body.result?.data as { csrfToken: string; role: string }).csrfToken;
      expect((me.body.result?.data as { role: string }).role).toBe('viewer');
      const refused = await callTrpc(stack.consoleUrl, 'admin.models.promote', { id: rankerV1 }, { cookie, csrf });
      expect(refused.status).toBe(403);
      expect(refused.body.error?.data?.code).toBe('FORBIDDEN');
      // …and straight at the API, past the console
      const refusedAtApi = await callTrpc(stack.apiUrl, 'admin.models.promote', { id: rankerV1 }, { cookie, csrf });
      expect(refusedAtApi.status).toBe(403);
      const still = await callTrpc(stack.apiUrl, 'admin.models.get', { id: promotedId }, { method: 'GET', cookie });
      expect((still.body.result?.data as { version: { status: string } }).version.status).toBe('active');
    } finally {
      await viewer.close();
    }
  });

  it('changes the exploration policy of a placement', async () => {
    await open('/exploration?placement=home');
    await page.getByLabel('Policy', { exact: true }).selectOption('egreedy');
    await page.getByLabel('Epsilon', { exact: true }).fill('1.5');
    await page.getByRole('button', { name: 'Save policy' }).click();
    await expect.poll(() => page.locator('.form-error').first().textContent()).toContain('Epsilon must be at most 1');
    await page.getByLabel('Epsilon', { exact: true }).fill('0.2');
    await page.getByRole('button', { name: 'Save policy' }).click();
    await page.getByText('Saved: home now serves with ε-greedy (epsilon 0.2).').waitFor();
    const home = rows('placements').filter({ hasText: 'home' });
    await expect.poll(() => home.textContent()).toContain('ε-greedy (epsilon 0.2)');
    expect(await home.textContent()).toContain('configured');
    // the arms that served on home, with their intervals
    await expect.poll(() => rows('arm-stats').count(), { timeout: 15_000 }).toBeGreaterThan(0);
    await page.getByTestId('arm-chart').waitFor();
    await screenshot(page, 'exploration');
  });

  it('creates, starts and stops an A/B experiment', async () => {
    await open('/experiments');
    await page.getByRole('button', { name: 'New experiment' }).click();
    await page.getByLabel('Key', { exact: true }).fill('e2e-home-ab');
    await page.getByLabel('Name', { exact: true }).fill('Thompson vs ε-greedy on home');
    await page.getByLabel('Experiment placement', { exact: true }).fill('home');
    await page.getByRole('button', { name: 'Create experiment' }).click();
    await page.waitForURL(/\/experiments\/e2e-home-ab$/);
    await expect.poll(() => page.getByTestId('experiment-status').textContent()).toBe('draft');
    await page.getByRole('button', { name: 'Start' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Start' }).click();
    await expect.poll(() => page.getByTestId('experiment-status').textContent()).toBe('running');
    expect(await rows('variant-stats').count()).toBe(2);
    await screenshot(page, 'experiment-detail');
    await page.getByRole('button', { name: 'Stop' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Stop' }).click();
    await expect.poll(() => page.getByTestId('experiment-status').textContent()).toBe('stopped');
    await open('/experiments');
    await expect.poll(() => rows('experiments-table').filter({ hasText: 'e2e-home-ab' }).textContent()).toContain('stopped');
    await screenshot(page, 'experiments');
  });

  it('shows an error state for what does not exist, and an empty state for filters matching nothing', async () => {
    await page.goto(`${stack.consoleUrl}/jobs/999999`);
    await expect.poll(() => page.locator('[data-state="error"]').textContent()).toContain('no job 999999');
    await open('/jobs?status=cancelled');
    await expect.poll(() => page.locator('[data-state="empty"]').textContent()).toContain('No job matches these filters.');
  });

  it('signs out', async () => {
    await open('/');
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(/\/sign-in/);
    await page.goto(`${stack.consoleUrl}/models`);
    await page.waitForURL(/\/sign-in\?next=%2Fmodels/);
  });
});

/** Recommendations on "home" for users from…to, and a click on the first item of each (attributed by requestId). */
async function serveTraffic(from: number, to: number): Promise<void> {
  const headers = { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' };
  const clicks: Record<string, unknown>[] = [];
  for (let u = from; u <= to; u++) {
    const response = await fetch(`${stack.apiUrl}/trpc/recommend`, { method: 'POST', headers, body: JSON.stringify({ userId: `user-${u}`, placement: 'home', k: 10 }) });
    expect(response.status).toBe(200);
    const served = ((await response.json()) as { result: { data: { requestId: string; items: { itemId: string }[] } } }).result.data;
    clicks.push({ type: 'click', userId: `user-${u}`, itemId: served.items[u % served.items.length].itemId, requestId: served.requestId, placement: 'home', occurredAt: Date.now() });
  }
  const logged = await fetch(`${stack.apiUrl}/trpc/events.logBatch`, { method: 'POST', headers, body: JSON.stringify({ events: clicks }) });
  expect(logged.status, await logged.clone().text()).toBe(200);
}

async function cookieHeader(context: BrowserContext): Promise<string> {
  return (await context.cookies()).map((c) => `${c.name}=${c.value}`).join('; ');
}

async function firstVersionId(kind: 'recall' | 'ranker'): Promise<number> {
  const list = await callTrpc(stack.consoleUrl, 'admin.models.list', { kind, page: 1, pageSize: 50 }, { method: 'GET', cookie: await cookieHeader(admin) });
  const versions = (list.body.result?.data as { rows: { id: number; version: number }[] }).rows;
  return versions.find((v) => v.version === 1)!.id;
}

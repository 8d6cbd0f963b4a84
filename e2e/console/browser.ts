// Debian's Chromium driven by playwright-core (never a downloaded browser), and the screenshots every
// console page leaves as a test artefact in e2e/artifacts/screenshots/<page>.png.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { root } from './stack.js';

export const CHROMIUM = process.env.CASCADE_CHROMIUM ?? '/usr/bin/chromium';
export const screenshotDir = path.join(root, 'e2e', 'artifacts', 'screenshots');

/** True in the page once no loading skeleton is left (a string: the e2e project compiles without the DOM types). */
export const NO_LOADING = `document.querySelectorAll('[data-state="loading"]').length === 0`;

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}

/** A full-page screenshot of what the page shows now, once the loading skeletons are gone. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(screenshotDir, { recursive: true });
  await page.waitForFunction(NO_LOADING, undefined, { timeout: 30_000 });
  // no hover tooltip from the last click in the picture
  await page.mouse.move(0, 0);
  const file = path.join(screenshotDir, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/** Calls a tRPC procedure of the console's same-origin /trpc from Node, as a browser (or a script) would. */
export async function callTrpc(
  baseUrl: string,
  procedure: string,
  input: unknown,
  options: { cookie?: string; csrf?: string; method?: 'GET' | 'POST' } = {},
): Promise<{ status: number; body: { result?: { data: unknown }; error?: { message: string; data?: { code?: string } } }; setCookie: string[] }> {
  const method = options.method ?? 'POST';
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (options.cookie) headers.cookie = options.cookie;
  if (options.csrf) headers['x-cascade-csrf'] = options.csrf;
  const url = method === 'GET' ? `${baseUrl}/trpc/${procedure}?input=${encodeURIComponent(JSON.stringify(input))}` : `${baseUrl}/trpc/${procedure}`;
  const response = await fetch(url, { method, headers, body: method === 'POST' ? JSON.stringify(input) : undefined });
  return { status: response.status, body: (await response.json()) as never, setCookie: response.headers.getSetCookie() };
}

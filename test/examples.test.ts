/**
 * Every example under examples/, run with the compiled binary and driven by Chromium: sign in,
 * let the page run its fetch, check what it got; then run it again with the fix taken out of the
 * config and check that the page meets the failure its seed describes.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { parseDocument } from 'yaml';
import { EXAMPLES_DIR, USER, startExample, type RunningExample } from '../examples/shared/run.ts';
import { ensureBinary } from './support/binary.ts';
import { browserAvailable, launchBrowser, newContext } from './support/browser.ts';
import { unfixOf } from './support/seed-fixes.ts';

type Doc = ReturnType<typeof parseDocument>;
/** `200` or `401` (a status the script could read), or `error` (the browser hid the response: a CORS failure). */
type Outcome = number | 'error';

interface Case {
  name: string;
  /** What the API reports as the user: the signed-in email, or null when the request was exempted. */
  user: string | null;
  /** Takes the seed's fix out of the parsed config. */
  unfix(doc: Doc): void;
  broken: Outcome;
}

const cases: Case[] = [
  { name: 'pomerium-single-domain', user: USER.email, unfix: unfixOf('pomerium-single-domain'), broken: 404 },
  { name: 'pomerium-header-token', user: USER.email, unfix: unfixOf('pomerium-header-token'), broken: 401 },
  { name: 'pomerium-shared-cookie', user: USER.email, unfix: unfixOf('pomerium-shared-cookie'), broken: 401 },
  { name: 'banyan-multi-domain-credentials', user: USER.email, unfix: unfixOf('banyan-multi-domain-credentials'), broken: 'error' },
  { name: 'banyan-multi-domain-header', user: null, unfix: unfixOf('banyan-multi-domain-header'), broken: 'error' },
  { name: 'banyan-single-domain-header', user: null, unfix: unfixOf('banyan-single-domain-header'), broken: 'error' },
  { name: 'cloudflare-bypass-options', user: USER.email, unfix: unfixOf('cloudflare-bypass-options'), broken: 'error' },
  { name: 'cloudflare-respond-preflight', user: USER.email, unfix: unfixOf('cloudflare-respond-preflight'), broken: 'error' },
  { name: 'cloudflare-worker-service-token', user: null, unfix: unfixOf('cloudflare-worker-service-token'), broken: 401 },
];

// Skips only where Chromium is missing outside CI; under CI=true browserAvailable() throws instead.
const haveBrowser = browserAvailable();
let binary = '';
let browser: Browser | undefined;

beforeAll(async () => {
  if (!haveBrowser) return;
  binary = await ensureBinary();
  browser = await launchBrowser(['app.foo.localhost', 'api.foo.localhost', 'auth.foo.localhost', 'api.bar.localhost']);
}, 180_000);
afterAll(async () => {
  await browser?.close();
});

/** Signs in through the page and returns what the page's fetch got. */
async function runPage(example: RunningExample): Promise<{ status: string; text: string }> {
  const context = await newContext(browser!);
  try {
    const page = await context.newPage();
    await page.goto(`${example.origins.app}/`);
    expect(new URL(page.url()).hostname).toBe('auth.foo.localhost');
    await page.fill('#email', USER.email);
    await page.fill('#password', USER.password);
    await page.click('button[type=submit]');
    await page.waitForSelector('#result[data-done], .error', { timeout: 15_000 });
    const refused = await page.$('.error');
    if (refused) throw new Error(`sign-in refused at ${page.url()}: ${await refused.textContent()}`);
    return await page.$eval('#result', (e) => ({ status: (e as HTMLElement).dataset.status!, text: e.textContent! }));
  } finally {
    await context.close();
  }
}

describe.skipIf(!haveBrowser)('examples, compiled binary, Chromium', () => {
  for (const c of cases) {
    test(`${c.name}: the page's fetch works`, async () => {
      const example = await startExample(c.name, { binary, output: 'pipe' });
      try {
        const { status, text } = await runPage(example);
        expect({ status, text }).toMatchObject({ status: '200' });
        expect(JSON.parse(text.slice(text.indexOf('\n') + 1))).toMatchObject({ message: 'HELLO WORLD', user: c.user });
      } finally {
        await example.stop();
      }
    }, 60_000);

    test(`${c.name}: without the fix the page meets the seed's failure (${c.broken})`, async () => {
      const doc = parseDocument(readFileSync(join(EXAMPLES_DIR, c.name, 'gatehouse.yaml'), 'utf8'));
      c.unfix(doc);
      const example = await startExample(c.name, { binary, output: 'pipe', configText: doc.toString() });
      try {
        const { status, text } = await runPage(example);
        expect({ status, text }).toMatchObject({ status: String(c.broken) });
      } finally {
        await example.stop();
      }
    }, 60_000);
  }
});

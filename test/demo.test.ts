/**
 * `gatehouse demo` in a real browser, exactly as a new user meets it: run the command, open the
 * printed URL, sign in with the printed credentials, and see every technique on the page work.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname } from 'node:path';
import type { Browser } from 'playwright-core';
import { browserAvailable, launchBrowser, newContext } from './support/browser.ts';
import { BUN, MAIN, spawnProcess, type Spawned } from './support/process.ts';

// Skips only where Chromium is missing outside CI; under CI=true browserAvailable() throws instead.
const haveBrowser = browserAvailable();
let demo: Spawned;
let browser: Browser | undefined;
let appUrl = '';
let email = '';
let password = '';

async function printed(pattern: RegExp): Promise<string> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    for (const line of demo.stdout) {
      const m = pattern.exec(line);
      if (m) return m[1]!;
    }
    await Bun.sleep(50);
  }
  throw new Error(`demo never printed ${pattern}\nstdout:\n${demo.stdout.join('\n')}\nstderr:\n${demo.stderr.join('\n')}`);
}

beforeAll(async () => {
  if (!haveBrowser) return;
  demo = spawnProcess([BUN, MAIN, 'demo', '--port', '0']);
  appUrl = await printed(/Open this in your browser:\s+(\S+)/);
  email = await printed(/Sign in as:\s+(\S+)/);
  password = await printed(/Password:\s+(\S+)/);
  const host = new URL(appUrl).hostname;
  browser = await launchBrowser([host, host.replace(/^app\./, 'api.'), host.replace(/^app\./, 'auth.')]);
}, 60_000);

afterAll(async () => {
  await browser?.close();
  if (!demo) return;
  demo.kill('SIGINT');
  expect(await demo.exited).toBe(0);
  expect(demo.stdout.join('\n')).toContain('Gatehouse demo stopped.');
});

test.skipIf(!haveBrowser)('sign in on the printed URL and every technique on the page works', async () => {
  const context = await newContext(browser!);
  const page = await context.newPage();
  await page.goto(appUrl);
  expect(new URL(page.url()).hostname).toStartWith('auth.');
  await page.fill('#email', email);
  await page.fill('#password', password);
  await page.click('button[type=submit]');
  await page.waitForSelector('#summary, .error', { timeout: 15_000 });
  const refused = await page.$('.error');
  if (refused) throw new Error(`sign-in refused at ${page.url()}: ${await refused.textContent()}`);
  expect(page.url()).toBe(appUrl);
  await page.waitForSelector('#summary[data-done]', { timeout: 20_000 });
  const cards = await page.$$eval('.card', (els) =>
    els.map((e) => ({ id: e.id, outcome: (e as HTMLElement).dataset.outcome, detail: e.querySelector('.detail')?.textContent })),
  );
  expect(cards.length).toBe(5);
  for (const card of cards) expect({ id: card.id, outcome: card.outcome, detail: card.detail }).toEqual({ id: card.id, outcome: 'ok', detail: card.detail });
  const single = cards.find((c) => c.id === 'single-origin')!;
  expect(JSON.parse(single.detail!.split('\n').slice(1).join('\n'))).toMatchObject({ message: 'HELLO WORLD', user: email });
  await context.close();
}, 60_000);

describe('the demo leaves nothing behind', () => {
  // Each run gets its own TMPDIR, so what the demo leaves there is all that is there.
  const tmpRoots: string[] = [];
  afterAll(() => {
    for (const root of tmpRoots) rmSync(root, { recursive: true, force: true });
  });
  const ownTmp = () => {
    const root = mkdtempSync(`${tmpdir()}/gatehouse-demo-test-`);
    tmpRoots.push(root);
    return root;
  };

  async function untilPrinted(run: Spawned, pattern: RegExp): Promise<string> {
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      for (const line of run.stdout) {
        const m = pattern.exec(line);
        if (m) return m[1]!;
      }
      await Bun.sleep(25);
    }
    run.kill('SIGKILL');
    throw new Error(`demo never printed ${pattern}\nstdout:\n${run.stdout.join('\n')}\nstderr:\n${run.stderr.join('\n')}`);
  }

  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    test(`its config folder is private while it runs and gone after ${signal}`, async () => {
      const root = ownTmp();
      const run = spawnProcess([BUN, MAIN, 'demo', '--port', '0'], { env: { TMPDIR: root } });
      const configFile = await untilPrinted(run, /The config it runs:\s+(\S+)/);
      const dir = dirname(configFile);
      expect(dirname(dir)).toBe(root);
      expect(statSync(dir).mode & 0o777).toBe(0o700);
      expect(statSync(configFile).mode & 0o777).toBe(0o600);
      run.kill(signal);
      expect(await run.exited).toBe(0);
      expect(run.stdout.join('\n')).toContain('Gatehouse demo stopped.');
      expect(existsSync(dir)).toBe(false);
      expect(readdirSync(root)).toEqual([]);
    }, 60_000);
  }

  test('a demo that cannot start removes its folder too', async () => {
    const root = ownTmp();
    const taken = Bun.listen({ hostname: '127.0.0.1', port: 0, socket: { data() {} } });
    try {
      const run = spawnProcess([BUN, MAIN, 'demo', '--port', String(taken.port)], { env: { TMPDIR: root } });
      expect(await run.exited).toBe(1);
      expect(run.stderr.join('\n')).toContain('is in use');
      expect(readdirSync(root)).toEqual([]);
    } finally {
      taken.stop(true);
    }
  }, 60_000);
});

import { existsSync } from 'node:fs';
import { chromium, type Browser, type BrowserContext } from 'playwright-core';
import { toolOrSkip } from './required-tool.ts';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/**
 * Whether browser tests can run here. Without Chromium they are skipped with a loud message,
 * except in CI (`CI=true`), where a missing browser is a failure: CI must run them.
 */
export function browserAvailable(): boolean {
  const found = existsSync(CHROMIUM_PATH) ? CHROMIUM_PATH : undefined;
  return toolOrSkip(found, { name: 'Chromium', lookedAt: CHROMIUM_PATH, aptPackage: 'chromium' }, 'the browser tests') !== undefined;
}

/**
 * Launches Debian's Chromium headless. Every `hosts` name resolves to 127.0.0.1 (so a test can
 * use app.example.test and api.example.test as real, distinct origins on loopback ports).
 */
export async function launchBrowser(hosts: string[] = []): Promise<Browser> {
  const args = [
    '--headless',
    '--no-sandbox',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-gpu',
    '--no-first-run',
    '--disable-sync',
  ];
  if (hosts.length > 0) args.push(`--host-resolver-rules=${hosts.map((h) => `MAP ${h} 127.0.0.1`).join(', ')}`);
  return chromium.launch({ executablePath: CHROMIUM_PATH, args, timeout: 30_000 });
}

/** A fresh browser context (its own cookie jar) that records every console line of its pages. */
export async function newContext(browser: Browser): Promise<BrowserContext & { consoleLines: string[] }> {
  const context = (await browser.newContext()) as BrowserContext & { consoleLines: string[] };
  context.consoleLines = [];
  context.on('page', (page) => page.on('console', (m) => context.consoleLines.push(m.text())));
  return context;
}

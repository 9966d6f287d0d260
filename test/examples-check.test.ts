/**
 * Every example's gatehouse.yaml passes `gatehouse check` as shipped, with nothing set in the
 * environment: a user who copies an example can validate it before wiring anything.
 */
import { describe, expect, test } from 'bun:test';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, runCli } from './support/process.ts';

const EXAMPLES = join(ROOT, 'examples');
const configs = readdirSync(EXAMPLES)
  .map((name) => join(EXAMPLES, name, 'gatehouse.yaml'))
  .filter((file) => existsSync(file));

describe('examples as shipped', () => {
  test('there are examples to check', () => expect(configs.length).toBeGreaterThanOrEqual(10));

  for (const file of configs) {
    test(`gatehouse check ${file.slice(ROOT.length + 1)} passes with an empty environment`, async () => {
      const { code, stdout, stderr } = await runCli(['check', '-c', file], { env: { APP_PORT: undefined, API_PORT: undefined, WORKER_CLIENT_ID: undefined, WORKER_CLIENT_SECRET: undefined, CI_CLIENT_ID: undefined, CI_CLIENT_SECRET: undefined } });
      expect(stderr).not.toContain('error:');
      expect(code).toBe(0);
      expect(stdout).toContain(': OK (');
    });
  }
});

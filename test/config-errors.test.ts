/**
 * The first hour with a config, through `gatehouse check` and a real gateway: errors that say
 * what to write instead, counts with the right plurals, and top-level `x-` blocks whose anchors
 * routes reuse.
 */
import { afterAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startGateway } from './support/gateway.ts';
import { runCli } from './support/process.ts';

setDefaultTimeout(60_000);

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** `gatehouse check` on `yaml`. */
async function check(yaml: string) {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-config-errors-'));
  dirs.push(dir);
  writeFileSync(join(dir, 'gatehouse.yaml'), yaml);
  return runCli(['check'], { cwd: dir });
}

const APP = 'https://app.example.test';
const ANCHORED = `x-cors: &cors
  use: preflight
  allow_origins: [${APP}]
  allow_methods: [GET, PUT]
routes:
  - from: http://api.example.test
    to: http://127.0.0.1:9
    policy: { public: true }
    plugins: [*cors]
  - from: http://files.example.test
    to: http://127.0.0.1:9
    policy: { public: true }
    plugins: [*cors]
`;

describe('top-level x- blocks hold anchors', () => {
  test('a config whose routes share an x- anchor passes check', async () => {
    const { code, stdout, stderr } = await check(ANCHORED);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toContain(': OK (2 routes, 0 warnings)');
  });

  test('both routes get the plugin', async () => {
    const gateway = await startGateway(ANCHORED);
    try {
      for (const host of ['api.example.test', 'files.example.test']) {
        const res = await gateway.request('/thing', {
          host,
          method: 'OPTIONS',
          headers: { origin: APP, 'access-control-request-method': 'PUT' },
        });
        expect({ host, status: res.status }).toEqual({ host, status: 204 });
        expect(res.headers.get('access-control-allow-origin')).toBe(APP);
        expect(res.headers.get('access-control-allow-methods')).toContain('PUT');
      }
    } finally {
      await gateway.stop();
    }
  });

  test('an x- key inside a route is still an unknown key', async () => {
    const { code, stderr } = await check(ANCHORED.replace('    plugins: [*cors]\n', '    x-cors: *cors\n'));
    expect(code).toBe(1);
    expect(stderr).toContain(':9:5: routes[0].x-cors: unknown key "x-cors"; x- keys are ignored only at the top level of the config');
    expect(stderr).toContain('\n1 error; the config is not valid');
  });
});

describe('errors say what to write instead', () => {
  test('a from with a path, a misspelt prefix:, and an unknown key listing the valid ones', async () => {
    const { code, stderr } = await check(`routes:
  - from: https://app.test/api
    to: http://127.0.0.1:9
    policy: { public: true }
  - from: https://app.test
    prefx: /api
    to: http://127.0.0.1:9
    policy: { public: true }
  - from: https://other.test
    to: http://127.0.0.1:9
    foo: 1
`);
    expect(code).toBe(1);
    expect(stderr).toContain(':2:5: routes[0].from: from takes no path; write from: https://app.test and prefix: /api');
    expect(stderr).toContain(':6:5: routes[1].prefx: unknown key "prefx"; did you mean "prefix"?');
    expect(stderr).toMatch(/:11:5: routes\[2\]\.foo: unknown key "foo"; valid keys here: from, prefix, path, regex, prefix_rewrite, regex_rewrite, to, policy, .*, plugins\n/);
    expect(stderr).toContain('\n3 errors; the config is not valid');
  });

  test('one warning is one warning', async () => {
    const { code, stdout } = await check(`routes:\n  - from: http://api.example.test\n    to: http://127.0.0.1:9\n`);
    expect(code).toBe(0);
    expect(stdout).toContain(': OK (1 route, 1 warning)');
  });
});

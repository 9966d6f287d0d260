/**
 * `gatehouse plugin test`: the compiled binary runs a plugin's tests in a folder that holds only
 * the plugin and its tests (no package.json, no node_modules on the way up, no bun on PATH),
 * serving `gatehouse/plugin` and `gatehouse/testing` itself; a failing test fails the command.
 * The source CLI does the same.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bareFolder, ensureBinary } from './support/binary.ts';
import { runCli, spawnProcess } from './support/process.ts';

setDefaultTimeout(60_000);

let binary: string;
/** PATH for the binary: an empty folder, so no bun (nor anything else) can be found. */
const PATH = mkdtempSync(join(tmpdir(), 'gatehouse-empty-path-'));

beforeAll(async () => {
  binary = await ensureBinary();
}, 180_000);
afterAll(() => rmSync(PATH, { recursive: true, force: true }));

async function gatehouse(args: string[], cwd: string) {
  const p = spawnProcess([binary, ...args], { cwd, env: { PATH } });
  const code = await p.exited;
  return { code, stdout: p.stdout.join('\n'), stderr: p.stderr.join('\n') };
}

/** A folder holding what `gatehouse plugin init hello` writes, and nothing else. */
async function scaffold(): Promise<string> {
  const dir = bareFolder();
  expect((await gatehouse(['plugin', 'init', 'hello'], dir)).code).toBe(0);
  return dir;
}

const FAILING_TEST = `import { expect, test } from 'bun:test';
import { createTestGateway } from 'gatehouse/testing';

test('expects the wrong header', async () => {
  const gateway = await createTestGateway({ plugin: new URL('./hello.ts', import.meta.url), options: { message: 'hi' } });
  try {
    expect((await gateway.request('/')).headers.get('x-hello')).toBe('bye');
  } finally {
    await gateway.stop();
  }
});
`;

describe('gatehouse plugin test (compiled binary)', () => {
  test('the scaffold passes its tests with no bun on PATH and no node_modules', async () => {
    expect(Bun.which('bun', { PATH })).toBeNull();
    const dir = await scaffold();
    expect(readdirSync(dir).sort()).toEqual(['gatehouse-plugin.d.ts', 'hello.test.ts', 'hello.ts', 'tsconfig.json']);
    const { code, stderr } = await gatehouse(['plugin', 'test'], dir);
    expect(stderr).toContain('(pass) refuses unknown options when the config loads');
    expect(stderr).toContain(' 3 pass');
    expect(stderr).toContain(' 0 fail');
    expect(code).toBe(0);
    // Nothing written next to the plugin: the SDK lives in a temp folder for the run.
    expect(readdirSync(dir).sort()).toEqual(['gatehouse-plugin.d.ts', 'hello.test.ts', 'hello.ts', 'tsconfig.json']);
  });

  test('a failing test makes it exit non-zero, with the failure in the output', async () => {
    const dir = await scaffold();
    writeFileSync(join(dir, 'wrong.test.ts'), FAILING_TEST);
    const { code, stderr } = await gatehouse(['plugin', 'test'], dir);
    expect(code).toBe(1);
    expect(stderr).toContain('(fail) expects the wrong header');
    expect(stderr).toContain('Expected: "bye"');
    expect(stderr).toContain('Received: "hi"');
    expect(stderr).toContain(' 3 pass');
    expect(stderr).toContain(' 1 fail');
  });

  test('passes FILES and the runner options through', async () => {
    const dir = await scaffold();
    writeFileSync(join(dir, 'wrong.test.ts'), FAILING_TEST);
    const { code, stderr } = await gatehouse(['plugin', 'test', './hello.test.ts', '-t', 'who called'], dir);
    expect(stderr).toContain('(pass) tells the upstream who called');
    expect(stderr).toContain(' 1 pass');
    expect(stderr).toContain(' 2 filtered out');
    expect(stderr).not.toContain('expects the wrong header');
    expect(code).toBe(0);
  });

  test("the kit's reload() runs a plugin's edited helper (the SDK bundle drops stale modules too)", async () => {
    const dir = bareFolder({
      'helper.ts': "export const word = 'old';\n",
      'word.ts': `import { definePlugin } from 'gatehouse/plugin';
import { word } from './helper.ts';
export default definePlugin({
  name: 'word',
  create: () => async (ctx, next) => {
    const response = await next();
    const out = new Response(response.body, response);
    out.headers.set('x-word', word);
    return out;
  },
});
`,
      'word.test.ts': `import { expect, test } from 'bun:test';
import { writeFileSync } from 'node:fs';
import { createTestGateway } from 'gatehouse/testing';
test('reload', async () => {
  const gateway = await createTestGateway({ plugin: new URL('./word.ts', import.meta.url) });
  try {
    expect((await gateway.request('/')).headers.get('x-word')).toBe('old');
    writeFileSync(new URL('./helper.ts', import.meta.url), "export const word = 'new';\\n");
    await gateway.reload();
    expect((await gateway.request('/')).headers.get('x-word')).toBe('new');
  } finally {
    await gateway.stop();
  }
});
`,
    });
    const { code, stderr } = await gatehouse(['plugin', 'test'], dir);
    expect(stderr).toContain(' 1 pass');
    expect(code).toBe(0);
  });

  test('a plugin test that starts the gatehouse binary (with process.env) gets Gatehouse, not Bun', async () => {
    const dir = bareFolder({
      'spawn.test.ts': `import { expect, test } from 'bun:test';
import { execFileSync } from 'node:child_process';
test('gatehouse version', () => {
  expect(process.env.BUN_BE_BUN).toBeUndefined();
  expect(execFileSync(process.execPath, ['version']).toString()).toMatch(/^\\d+\\.\\d+\\.\\d+/);
});
`,
    });
    const { code, stderr } = await gatehouse(['plugin', 'test'], dir);
    expect(stderr).toContain(' 1 pass');
    expect(code).toBe(0);
  });

  test('--help explains it; a folder with no tests fails', async () => {
    const help = await gatehouse(['plugin', 'test', '--help'], tmpdir());
    expect(help.code).toBe(0);
    expect(help.stdout).toStartWith('Usage: gatehouse plugin test [FILES...] [OPTIONS]');
    const empty = await gatehouse(['plugin', 'test'], bareFolder());
    expect(empty.code).not.toBe(0);
  });
});

test('from source: bun src/main.ts plugin test runs the scaffold\'s tests', async () => {
  const dir = await scaffold();
  const { code, stderr } = await runCli(['plugin', 'test'], { cwd: dir });
  expect(stderr).toContain(' 3 pass');
  expect(code).toBe(0);
  expect(existsSync(join(dir, 'node_modules'))).toBe(false);
});

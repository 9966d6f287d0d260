/**
 * `gatehouse plugin init` end to end: the compiled binary scaffolds a plugin in an empty folder
 * with no node_modules, runs it in a config and its effect shows over HTTP; and the editor types
 * check in that folder. Its tests under `gatehouse plugin test`: test/plugin-test-command.test.ts.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bareFolder, ensureBinary } from './support/binary.ts';
import { startUpstream, type TestUpstream } from './support/gateway.ts';
import { BUN, ROOT, spawnProcess, startRun, type Spawned } from './support/process.ts';

setDefaultTimeout(60_000);

let binary: string;
let dir: string;
let upstream: TestUpstream;
const cleanup: (() => unknown)[] = [];
const callers: (string | null)[] = [];

beforeAll(async () => {
  binary = await ensureBinary();
  dir = bareFolder();
  upstream = startUpstream((request) => {
    callers.push(request.headers.get('x-hello-caller'));
    return new Response('from upstream');
  });
}, 180_000);

afterAll(async () => {
  while (cleanup.length) await cleanup.pop()!();
  await upstream?.stop();
});

async function run(args: string[], cwd = dir) {
  const p = spawnProcess(args, { cwd });
  const code = await p.exited;
  return { code, stdout: p.stdout.join('\n'), stderr: p.stderr.join('\n') };
}

describe('gatehouse plugin init (compiled binary)', () => {
  test('writes the plugin, its tests, a tsconfig and the types file into an empty folder', async () => {
    const { code, stdout, stderr } = await run([binary, 'plugin', 'init', 'hello']);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toContain('- use: ./hello.ts');
    expect(stdout).toContain('Tests: gatehouse plugin test');
    expect(stdout + readFileSync(join(dir, 'hello.test.ts'), 'utf8')).not.toContain('bun add');
    expect(readdirSync(dir).sort()).toEqual(['gatehouse-plugin.d.ts', 'hello.test.ts', 'hello.ts', 'tsconfig.json']);
    const types = readFileSync(join(dir, 'gatehouse-plugin.d.ts'), 'utf8');
    for (const name of ['gatehouse/plugin', 'gatehouse/testing', 'valibot', 'bun:test']) expect(types).toContain(`declare module '${name}' {`);
  });

  test('the scaffolded plugin runs under the binary and its effect shows over HTTP', async () => {
    writeFileSync(
      join(dir, 'gatehouse.yaml'),
      `listen: "127.0.0.1:0"
routes:
  - from: http://app.example.test
    to: ${upstream.url}
    policy: { public: true }
    plugins:
      - use: ./hello.ts
        message: hi from the scaffold
`,
    );
    const gh: Spawned & { url: string } = await startRun(join(dir, 'gatehouse.yaml'), { cwd: dir, binary });
    cleanup.push(() => gh.kill('SIGKILL'));
    const response = await fetch(`${gh.url}/`, { headers: { host: 'app.example.test' } });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-hello')).toBe('hi from the scaffold');
    expect(await response.text()).toBe('from upstream');
    expect(callers).toEqual(['anonymous']);
    gh.kill('SIGTERM');
    expect(await gh.exited).toBe(0);
  });

  test('refuses to overwrite the plugin or its tests, and writes nothing then', async () => {
    writeFileSync(join(dir, 'hello.ts'), '// mine\n');
    const { code, stderr } = await run([binary, 'plugin', 'init', 'hello']);
    expect(code).toBe(1);
    expect(stderr).toContain('hello.ts and hello.test.ts already exist');
    expect(readFileSync(join(dir, 'hello.ts'), 'utf8')).toBe('// mine\n');
  });

  test('a second plugin in the same folder keeps the existing tsconfig.json and types file', async () => {
    writeFileSync(join(dir, 'tsconfig.json'), readFileSync(join(dir, 'tsconfig.json'), 'utf8') + '\n');
    const before = readFileSync(join(dir, 'tsconfig.json'), 'utf8');
    const { code, stdout } = await run([binary, 'plugin', 'init', 'second-one']);
    expect(code).toBe(0);
    expect(stdout).toContain('kept the existing tsconfig.json and gatehouse-plugin.d.ts');
    expect(readFileSync(join(dir, 'tsconfig.json'), 'utf8')).toBe(before);
    expect(readFileSync(join(dir, 'second-one.ts'), 'utf8')).toContain("'X-Second-One'");
  });

  test('bad names and arguments are usage errors', async () => {
    expect((await run([binary, 'plugin', 'init', 'Hello'])).code).toBe(2);
    expect((await run([binary, 'plugin', 'init'])).code).toBe(2);
    expect((await run([binary, 'plugin', 'frobnicate'])).code).toBe(2);
    const help = await run([binary, 'plugin', 'init', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toStartWith('Usage: gatehouse plugin init NAME');
  });
});

describe('the scaffold in an editor', () => {
  test('type-checks with no node_modules: the types file alone satisfies strict TypeScript', async () => {
    const fresh = bareFolder();
    expect((await run([binary, 'plugin', 'init', 'hello'], fresh)).code).toBe(0);
    // A deliberate mistake must be caught, or the check proves nothing.
    writeFileSync(join(fresh, 'wrong.ts'), `import { definePlugin } from 'gatehouse/plugin';
export default definePlugin({ name: 'w', options: (v) => v.strictObject({ n: v.number() }), create: (o) => { const s: string = o.n; return (ctx, next) => next(); } });
`);
    // --skipLibCheck false: the types file itself must be free of errors, not just usable.
    const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
    const checked = await run([Bun.which('node') ?? BUN, tsc, '-p', fresh, '--skipLibCheck', 'false'], fresh);
    const errors = checked.stdout.trim().split('\n');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^wrong\.ts\(2,\d+\): error TS2322: Type 'number' is not assignable to type 'string'\.$/);
  }, 180_000);
});

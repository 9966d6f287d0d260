/**
 * The compiled executable: built once (when missing or older than the sources), then run from a
 * temporary folder with no node_modules anywhere above it, loading a user's TypeScript plugin.
 */
import { beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pkg from '../package.json' with { type: 'json' };
import { BINARY, bareFolder, ensureBinary } from './support/binary.ts';
import { scoped } from './support/scoped.ts';
import { runCli, spawnProcess, startRun, type Spawned } from './support/process.ts';

setDefaultTimeout(60_000);

beforeAll(() => ensureBinary(), 180_000);

const { cleanup, upstream } = scoped();

/** A user's plugin: TypeScript, a type-only import from Gatehouse, valibot from `services.v`. */
const STAMP_PLUGIN = `import type { Plugin } from 'gatehouse/plugin';

interface Options {
  header: string;
  value: string;
  times: number;
}

const stamp: Plugin = {
  name: 'stamp',
  options: (v) => v.strictObject({ header: v.pipe(v.string(), v.regex(/^x-/i)), value: v.string(), times: v.optional(v.number(), 1) }),
  create(options, services) {
    const { header, value, times } = options as Options;
    const stamped = value.repeat(times);
    services.log.info('stamp ready', { header });
    return async (ctx, next) => {
      ctx.upstream.headers.set('x-stamped-request', stamped);
      const response = await next();
      const out = new Response(response.body, response);
      out.headers.set(header, stamped + ' via ' + ctx.route.id);
      return out;
    };
  },
};

export default stamp;
`;

describe('the compiled binary', () => {
  test('`version` prints the version injected at build time', async () => {
    const p = spawnProcess([BINARY, 'version'], { cwd: tmpdir() });
    expect(await p.exited).toBe(0);
    const printed = p.stdout.join('\n').trim();
    expect(printed).toStartWith(pkg.version);
    expect(printed).not.toEndWith('-dev');
  });

  test('runs a user plugin file from a folder with no node_modules', async () => {
    const up = upstream();
    const dir = bareFolder({
      'stamp.ts': STAMP_PLUGIN,
      'gatehouse.yaml': `listen: "127.0.0.1:0"
routes:
  - from: http://api.example.test
    to: ${up.url}
    policy: { public: true }
    plugins:
      - use: ./stamp.ts
        header: X-Stamp
        value: ok
        times: 2
`,
    });
    const gh: Spawned & { url: string } = await startRun(join(dir, 'gatehouse.yaml'), { cwd: dir, binary: BINARY });
    cleanup.push(() => gh.kill('SIGKILL'));
    const response = await fetch(`${gh.url}/hello`, { headers: { host: 'api.example.test' } });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-stamp')).toBe('okok via routes[0]');
    const echo = (await response.json()) as { path: string; headers: Record<string, string> };
    expect(echo.path).toBe('/hello');
    expect(echo.headers['x-stamped-request']).toBe('okok');
    expect(gh.logs().some((l) => l.msg === 'stamp ready' && l.plugin === 'stamp' && l.route === 'routes[0]')).toBe(true);
    gh.kill('SIGTERM');
    expect(await gh.exited).toBe(0);
  });

  test('`check` validates the plugin options with the plugin schema', async () => {
    const dir = bareFolder({
      'stamp.ts': STAMP_PLUGIN,
      'gatehouse.yaml': `routes:
  - from: http://api.example.test
    to: http://127.0.0.1:9000
    policy: { public: true }
    plugins:
      - use: ./stamp.ts
        header: Stamp
        value: ok
`,
    });
    const p = spawnProcess([BINARY, 'check', '-c', 'gatehouse.yaml'], { cwd: dir });
    expect(await p.exited).toBe(1);
    expect(p.stderr.join('\n')).toContain(`${join(dir, 'gatehouse.yaml')}:7:9: routes[0].plugins[0].header: route routes[0] (http://api.example.test), plugin "./stamp.ts":`);
  });

  test('the source CLI and the binary agree on help', async () => {
    const fromSource = await runCli(['--help']);
    const p = spawnProcess([BINARY, '--help'], { cwd: tmpdir() });
    expect(await p.exited).toBe(0);
    const strip = (s: string) => s.replace(/^Gatehouse \S+:/, 'Gatehouse X:');
    expect(strip(p.stdout.join('\n'))).toBe(strip(fromSource.stdout));
  });
});

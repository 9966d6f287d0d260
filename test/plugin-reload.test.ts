/**
 * Editing a plugin file the config loads, or a local file it imports (directly or not), reloads
 * the gateway as editing the config does, and the new code really runs (Bun caches modules by
 * path). A broken edit keeps the previous plugin serving and logs where the error is.
 */
import { describe, expect, setDefaultTimeout, test } from 'bun:test';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { killWhenTestsEnd, startRun, type Spawned } from './support/process.ts';
import { scoped } from './support/scoped.ts';

setDefaultTimeout(60_000);

const { cleanup, upstream } = scoped();

/** A plugin that sets `x-stamp` to `value` followed by what ./words.ts exports. */
const plugin = (value: string) => `import { definePlugin } from 'gatehouse/plugin';
import { words } from './words.ts';

export default definePlugin({
  name: 'stamp',
  create: () => async (ctx, next) => {
    const response = await next();
    const out = new Response(response.body, response);
    out.headers.set('x-stamp', ${JSON.stringify(value)} + words());
    return out;
  },
});
`;
const words = (value: string) => `import { deep } from './lib/deep.ts';\nexport const words = () => ${JSON.stringify(value)} + deep;\n`;
const deep = (value: string) => `export const deep = ${JSON.stringify(value)};\n`;

/** Starts `gatehouse run` (from source) on a folder holding the config, the plugin and its imports. */
async function start(): Promise<{ dir: string; gh: Spawned & { url: string }; stamp: () => Promise<string | null> }> {
  const up = upstream(() => new Response('ok'));
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-plugin-reload-'));
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(join(dir, 'lib'));
  writeFileSync(join(dir, 'stamp.ts'), plugin('one'));
  writeFileSync(join(dir, 'words.ts'), words(' two'));
  writeFileSync(join(dir, 'lib', 'deep.ts'), deep(' three'));
  writeFileSync(
    join(dir, 'gatehouse.yaml'),
    `listen: "127.0.0.1:0"
routes:
  - from: http://api.example.test
    to: ${up.url}
    policy: { public: true }
    plugins:
      - use: ./stamp.ts
`,
  );
  const gh = await startRun(join(dir, 'gatehouse.yaml'), { cwd: dir });
  killWhenTestsEnd(gh.proc.pid);
  cleanup.push(() => gh.kill('SIGKILL'));
  const stamp = async () => (await fetch(`${gh.url}/`, { headers: { host: 'api.example.test' } })).headers.get('x-stamp');
  expect(await stamp()).toBe('one two three');
  return { dir, gh, stamp };
}

/** Polls `stamp` every 50 ms until it is `want`; fails after 10 s. */
async function stampBecomes(stamp: () => Promise<string | null>, want: string): Promise<void> {
  let last: string | null = null;
  for (const deadline = Date.now() + 10_000; Date.now() < deadline; await Bun.sleep(50)) {
    last = await stamp();
    if (last === want) return;
  }
  throw new Error(`x-stamp stayed "${last}", never became "${want}"`);
}

const reloads = (gh: Spawned) => gh.logs().filter((l) => l.msg === 'config reloaded').length;

/**
 * Exactly `count` reloads: log lines leave in batches (up to 50 ms after the new config answers),
 * so wait for the count, then long enough for a further, unwanted reload to show too.
 */
async function reloadedTimes(gh: Spawned, count: number): Promise<void> {
  await gh.waitForLog(() => reloads(gh) >= count, 10_000, `${count} reload(s)`);
  await Bun.sleep(300);
  expect(reloads(gh)).toBe(count);
}

describe('editing a plugin reloads it', () => {
  test('the plugin file itself; files nobody imports do not reload', async () => {
    const { dir, gh, stamp } = await start();
    writeFileSync(join(dir, 'notes.ts'), 'export const unrelated = 1;\n');
    await Bun.sleep(500);
    writeFileSync(join(dir, 'stamp.ts'), plugin('uno'));
    await stampBecomes(stamp, 'uno two three');
    await reloadedTimes(gh, 1);
  });

  test('a file it imports, and a file that one imports, in another folder', async () => {
    const { dir, gh, stamp } = await start();
    writeFileSync(join(dir, 'words.ts'), words(' dos'));
    await stampBecomes(stamp, 'one dos three');
    writeFileSync(join(dir, 'lib', 'deep.ts'), deep(' tres'));
    await stampBecomes(stamp, 'one dos tres');
    await reloadedTimes(gh, 2);
  });

  test('a syntax error keeps the previous plugin serving and logs where it is; fixing it reloads', async () => {
    const { dir, gh, stamp } = await start();
    const failedReload = async (count: number) => {
      await gh.waitForLog(() => gh.logs().filter((l) => String(l.msg).startsWith('config reload failed')).length === count, 10_000, `failed reload ${count}`);
      const failed = gh.logs().filter((l) => String(l.msg).startsWith('config reload failed'))[count - 1]!;
      expect(failed.level).toBe('error');
      expect(await stamp()).toBe('one two three');
      // Where the config uses the plugin, then where the error is.
      expect(String(failed.error)).toContain(`${join(dir, 'gatehouse.yaml')}:7:9: routes[0].plugins[0].use: route routes[0] (http://api.example.test), plugin "./stamp.ts": cannot load plugin ${join(dir, 'stamp.ts')}: `);
      return String(failed.error);
    };
    // Bun reports two errors here, as one AggregateError; a single error comes bare (below).
    writeFileSync(join(dir, 'stamp.ts'), `export default {\n  name: 'stamp',\n  create( {\n};\n`);
    expect(await failedReload(1)).toEndWith(`${join(dir, 'stamp.ts')}:4:2: Expected ")" but found ";" (and 1 more error)`);
    writeFileSync(join(dir, 'stamp.ts'), plugin('one'));
    writeFileSync(join(dir, 'lib', 'deep.ts'), 'export const deep = (;\n');
    expect(await failedReload(2)).toEndWith(`${join(dir, 'lib', 'deep.ts')}:1:22: Unexpected ;`);
    writeFileSync(join(dir, 'lib', 'deep.ts'), deep(' fixed'));
    await stampBecomes(stamp, 'one two fixed');
  });

  test('a plugin the edited config adds is watched from then on, even while it fails to load', async () => {
    const { dir, gh, stamp } = await start();
    writeFileSync(join(dir, 'added.ts'), 'export default (;\n');
    const yaml = join(dir, 'gatehouse.yaml');
    writeFileSync(yaml, (await Bun.file(yaml).text()).replace('./stamp.ts', './added.ts'));
    await gh.waitForLog((l) => String(l.msg).startsWith('config reload failed'), 10_000, 'the failed reload');
    writeFileSync(join(dir, 'added.ts'), plugin('added'));
    await stampBecomes(stamp, 'added two three');
  });
});

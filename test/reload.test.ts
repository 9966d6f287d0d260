import { setDefaultTimeout, describe, expect, test } from 'bun:test';
import { utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { scoped } from './support/scoped.ts';

setDefaultTimeout(30_000);

const servers = scoped();
const { upstream } = servers;
const gateway = (yaml: string, files: Record<string, string> = {}) => servers.gateway(yaml, { files });

function config(to: string, extra = '', head = ''): string {
  return `${head}routes:
  - from: http://api.example.test
    to: ${to}
    policy: { public: true }
${extra}`;
}

/** Polls `probe` every 50 ms until it returns true; fails after `ms`. */
async function eventually(probe: () => boolean | Promise<boolean>, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  for (let i = 0; Date.now() < deadline; i++) {
    if (await probe()) return;
    await Bun.sleep(50);
  }
  throw new Error(`timed out after ${ms} ms waiting for ${what}`);
}

function latch(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

/** A plugin that tags responses with `label` and records its close() in globalThis.__reloadEvents. */
const TAG_PLUGIN = `export default {
  name: 'tag',
  options: (v) => v.object({ label: v.string() }),
  create(options) {
    return {
      async handle(ctx, next) {
        const r = await next();
        const out = new Response(r.body, r);
        out.headers.set('x-tag', options.label);
        return out;
      },
      close() { ((globalThis as any).__reloadEvents ??= []).push('close ' + options.label); },
    };
  },
};
`;

const events = () => ((globalThis as { __reloadEvents?: string[] }).__reloadEvents ??= []);

describe('reload', () => {
  test('editing the config file switches to the new config', async () => {
    const a = upstream(() => new Response('a'));
    const b = upstream(() => new Response('b'));
    const g = await gateway(config(a.url));
    expect(await (await g.request('/')).text()).toBe('a');
    writeFileSync(g.configFile, config(b.url));
    await eventually(async () => (await (await g.request('/')).text()) === 'b', 10_000, 'the edited config to serve');
    expect(g.logs.json().some((l) => l.msg === 'config reloaded')).toBe(true);
  });

  test('an invalid edit keeps the old config serving and logs why, with file and line', async () => {
    const a = upstream(() => new Response('a'));
    const g = await gateway(config(a.url));
    writeFileSync(g.configFile, config(a.url, '    timout: 5s\n'));
    await eventually(() => g.logs.json().some((l) => l.msg?.toString().startsWith('config reload failed')), 10_000, 'the reload error to be logged');
    const line = g.logs.json().find((l) => String(l.msg).startsWith('config reload failed'))!;
    expect(line.level).toBe('error');
    expect(String(line.error)).toContain(`${g.configFile}:5:5: routes[0].timout: unknown key "timout"; did you mean "timeout"?`);
    const response = await g.request('/');
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('a');
  });

  test('a config whose plugins fail to load does not replace the working one', async () => {
    const a = upstream(() => new Response('a'));
    const g = await gateway(config(a.url, '', 'watch: false\n'), {
      'bad.ts': `export default { name: 'bad', create() { throw new Error('bad plugin at load'); } };`,
    });
    const result = await g.server.reload();
    expect(result.ok).toBe(true);
    writeFileSync(g.configFile, config(a.url, '    plugins: [{ use: ./bad.ts }]\n', 'watch: false\n'));
    const failed = await g.server.reload();
    expect(failed.ok).toBe(false);
    expect(!failed.ok && failed.error).toContain('bad plugin at load');
    expect(await (await g.request('/')).text()).toBe('a');
  });

  test('a request in flight finishes on the config it started on; the old plugins close() after it', async () => {
    events().length = 0;
    const release = latch();
    const slow = upstream(async () => {
      await Promise.race([release.promise, Bun.sleep(20_000)]);
      return new Response('old upstream, slow');
    });
    const fast = upstream(() => new Response('new upstream'));
    // watch: false, so the explicit reload below is the only one.
    const g = await gateway(config(slow.url, '    plugins: [{ use: ./tag.ts, label: old }]\n', 'watch: false\n'), { 'tag.ts': TAG_PLUGIN });

    const inFlight = g.request('/slow');
    await eventually(() => slow.received.length === 1, 5000, 'the slow request to reach the upstream');

    writeFileSync(g.configFile, config(fast.url, '    plugins: [{ use: ./tag.ts, label: new }]\n', 'watch: false\n'));
    const result = await g.server.reload();
    expect(result.ok).toBe(true);
    const fresh = await g.request('/');
    expect(await fresh.text()).toBe('new upstream');
    expect(fresh.headers.get('x-tag')).toBe('new');

    // The old config is retired but waits for its request before closing its plugins.
    await Bun.sleep(300);
    expect(events()).not.toContain('close old');

    release.resolve();
    const old = await inFlight;
    expect(old.status).toBe(200);
    expect(old.headers.get('x-tag')).toBe('old');
    expect(await old.text()).toBe('old upstream, slow');
    await eventually(() => events().includes('close old'), 5000, 'the old plugin to be closed');
    expect(events()).not.toContain('close new');
  });

  test('a changed plugin file is imported afresh on reload', async () => {
    const a = upstream(() => new Response('a'));
    const v1 = `export default { name: 'ver', create: () => async (ctx, next) => { const r = await next(); const o = new Response(r.body, r); o.headers.set('x-ver', '1'); return o; } };`;
    const g = await gateway(config(a.url, '    plugins: [{ use: ./ver.ts }]\n', 'watch: false\n'), { 'ver.ts': v1 });
    expect((await g.request('/')).headers.get('x-ver')).toBe('1');
    const file = join(g.dir, 'ver.ts');
    writeFileSync(file, v1.replace("'1'", "'2'"));
    const later = new Date(Date.now() + 5000);
    utimesSync(file, later, later);
    expect((await g.server.reload()).ok).toBe(true);
    expect((await g.request('/')).headers.get('x-ver')).toBe('2');
  });

  test('watch: false ignores file edits (explicit reloads still work)', async () => {
    const a = upstream(() => new Response('a'));
    const b = upstream(() => new Response('b'));
    const g = await gateway(config(a.url, '', 'watch: false\n'));
    writeFileSync(g.configFile, config(b.url, '', 'watch: false\n'));
    await Bun.sleep(600);
    expect(await (await g.request('/')).text()).toBe('a');
    expect((await g.server.reload()).ok).toBe(true);
    expect(await (await g.request('/')).text()).toBe('b');
  });
});

test('with state: memory a reload keeps the sessions and their revocations (a sign-out is not forgotten)', async () => {
  const { startGateway } = await import('./support/gateway.ts');
  const yaml = (label: string) => `# ${label}
authenticate:
  url: http://auth.example.test
  provider: static
  static: { users: [] }
routes:
  - from: http://app.example.test
    to: http://127.0.0.1:9
    policy: { allow_any_authenticated_user: true }
`;
  const g = await startGateway(yaml('one'));
  try {
    const registry = g.server.gateway.sessionRegistry;
    await registry.revokeSession('sid-1');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(g.configFile, yaml('two'));
    expect(await g.server.reload()).toEqual({ ok: true });
    expect(g.server.gateway.sessionRegistry).not.toBe(registry);
    expect(await g.server.gateway.sessionRegistry.check({ sid: 'sid-1', sub: 'alice', began: Math.floor(Date.now() / 1000) })).toBe('revoked');
  } finally {
    await g.stop();
  }
});

import { afterEach, expect, test } from 'bun:test';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestGateway, type PluginTestGateway } from './index.ts';

let gateway: PluginTestGateway | undefined;
afterEach(() => gateway?.stop());

/** A plugin file written for the test: appends its label and the identity it sees to `X-Seen` on the way up. */
function seePlugin(dir: string): string {
  const file = join(dir, 'see.ts');
  writeFileSync(
    file,
    `import { definePlugin } from 'gatehouse/plugin';
export default definePlugin({
  name: 'see',
  options: (v) => v.strictObject({ label: v.optional(v.string(), 'seen') }),
  create: (options) => async (ctx, next) => {
    const response = await next();
    const headers = new Headers(response.headers);
    headers.append('x-seen', options.label + ':' + JSON.stringify(ctx.identity && { subject: ctx.identity.subject, groups: ctx.identity.groups, name: ctx.identity.name }));
    return new Response(response.body, { status: response.status, headers });
  },
});
`,
  );
  return file;
}

test('runs a plugin file with options against the echo upstream, identity per request', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kit-'));
  gateway = await createTestGateway({ plugin: seePlugin(dir), options: { label: 'L' } });
  const anonymous = await gateway.request('/x?y=1', { method: 'POST', body: 'hi' });
  expect(anonymous.headers.get('x-seen')).toBe('L:null');
  expect(await anonymous.json()).toMatchObject({ method: 'POST', path: '/x?y=1', body: 'hi' });
  const named = await gateway.request('/', { identity: { subject: 'u1', name: 'Zoë', groups: ['dev'] } });
  expect(named.headers.get('x-seen')).toBe('L:{"subject":"u1","groups":["dev"],"name":"Zoë"}');
  expect(gateway.upstreamRequests.map((r) => [r.method, r.path, r.body])).toEqual([['POST', '/x?y=1', 'hi'], ['GET', '/', '']]);
  expect(gateway.upstreamRequests[1]!.headers.get('x-gatehouse-test-identity')).toBeNull();
});

test('before, after, route keys as YAML, root keys, env and files', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kit-'));
  const see = seePlugin(dir);
  gateway = await createTestGateway({
    before: [{ use: see, label: 'outer' }],
    after: [{ use: see, label_file: 'label.txt' }],
    files: { 'label.txt': 'inner\n' },
    config: 'from: http://api.example.test\nset_request_headers: { X-Token: "${TOKEN}" }\n',
    root: { shutdown_timeout: '1s' },
    env: { TOKEN: 't0k' },
    upstream: (request) => new Response(request.headers.get('x-token')),
  });
  const response = await gateway.request('/');
  expect(await response.text()).toBe('t0k');
  expect(response.headers.get('x-seen')).toBe('inner:null, outer:null');
  expect(gateway.upstreamRequests).toHaveLength(1);
  expect(gateway.logs().some((l) => l.msg === 'gatehouse listening')).toBe(true);
});

test('config problems reject with the located error', async () => {
  await expect(createTestGateway({ config: { timeout: 'soon' } })).rejects.toThrow(/routes\[0\]\.timeout: "soon" is not a duration/);
  await expect(createTestGateway({ plugin: '/nonexistent/plugin.ts' })).rejects.toThrow(/plugin file \/nonexistent\/plugin.ts does not exist/);
  await expect(createTestGateway({ config: { plugins: [] } })).rejects.toThrow(/not config.plugins/);
});

test('reload creates the plugin afresh and closes the old instance; stop closes once', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kit-'));
  const file = join(dir, 'lifecycle.ts');
  writeFileSync(
    file,
    `const events = ((globalThis as any).__kitLifecycle ??= []);
export default {
  name: 'lifecycle',
  create() {
    const n = events.filter((e: string) => e.startsWith('create')).length + 1;
    events.push('create ' + n);
    return { handle: (ctx: any, next: any) => next(), close: () => void events.push('close ' + n) };
  },
};
`,
  );
  const events: string[] = ((globalThis as any).__kitLifecycle ??= []);
  gateway = await createTestGateway({ plugin: file });
  await gateway.reload();
  await Bun.sleep(50);
  await gateway.stop();
  await gateway.stop();
  expect(events).toEqual(['create 1', 'create 2', 'close 1', 'close 2']);
});

/**
 * The files `gatehouse plugin init NAME` writes besides the types file: a working example
 * plugin, its tests on the test kit, and a tsconfig for the editor.
 */

/** `my-plugin` → `X-My-Plugin`. */
function headerName(name: string): string {
  return 'X-' + name.split('-').map((part) => part.charAt(0).toUpperCase() + part.slice(1)).join('-');
}

/** NAME.ts: adds a response header from its options and tells the upstream who called. */
export function pluginTemplate(name: string): string {
  const header = headerName(name);
  return `/**
 * ${name}: a Gatehouse plugin. Use it in a route of gatehouse.yaml:
 *
 *   plugins:
 *     - use: ./${name}.ts
 *       message: hello
 *
 * It adds \`${header}: <message>\` to every response of the route, and tells the upstream who
 * called in \`${header}-Caller\`. See docs/plugins.md in the Gatehouse repository.
 */
import { definePlugin } from 'gatehouse/plugin';

export default definePlugin({
  name: '${name}',
  /**
   * Options, validated at load with the valibot Gatehouse hands you as \`v\` (no import needed):
   * - \`header\`: the response header to set (default \`${header}\`).
   * - \`message\`: its value (default \`hello from Gatehouse\`).
   */
  options: (v) =>
    v.strictObject({
      header: v.optional(v.pipe(v.string(), v.regex(/^[A-Za-z0-9-]+$/, 'expected a header name')), '${header}'),
      message: v.optional(v.pipe(v.string(), v.minLength(1)), 'hello from Gatehouse'),
    }),
  // Runs once per config load (and again on reload): do the expensive work here, not per request.
  create(options, services) {
    services.log.debug('${name} ready', { header: options.header });
    return async (ctx, next) => {
      // On the way down: add a header for the upstream only (never logged, never sent back).
      ctx.upstream.headers.set(\`\${options.header}-Caller\`, ctx.identity?.subject ?? 'anonymous');
      const response = await next();
      // On the way back up: copy the headers, as a response's own may be immutable.
      const headers = new Headers(response.headers);
      headers.set(options.header, options.message);
      return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
    };
  },
});
`;
}

/** NAME.test.ts: the plugin run in process by the test kit. */
export function testTemplate(name: string): string {
  const header = headerName(name).toLowerCase();
  return `/**
 * Tests for the ${name} plugin: run them with \`gatehouse plugin test\` (the test kit runs
 * Gatehouse in process; nothing to install). \`gatehouse plugin test --watch\` runs them again
 * on every save.
 */
import { afterEach, expect, test } from 'bun:test';
import { createTestGateway, type PluginTestGateway } from 'gatehouse/testing';

const plugin = new URL('./${name}.ts', import.meta.url);
let gateway: PluginTestGateway | undefined;
afterEach(() => gateway?.stop());

test('adds its header to the upstream response', async () => {
  gateway = await createTestGateway({ plugin, options: { message: 'hi' } });
  const response = await gateway.request('/hello');
  expect(response.status).toBe(200);
  expect(response.headers.get('${header}')).toBe('hi');
  expect(gateway.upstreamRequests.map((r) => r.path)).toEqual(['/hello']);
});

test('tells the upstream who called', async () => {
  gateway = await createTestGateway({ plugin });
  await gateway.request('/', { identity: 'alice@example.test' });
  await gateway.request('/');
  const callers = gateway.upstreamRequests.map((r) => r.headers.get('${header}-caller'));
  expect(callers).toEqual(['alice@example.test', 'anonymous']);
});

test('refuses unknown options when the config loads', async () => {
  await expect(createTestGateway({ plugin, options: { mesage: 'hi' } })).rejects.toThrow(/did you mean "message"/);
});
`;
}

/** tsconfig.json: strict TypeScript; the types come from gatehouse-plugin.d.ts, no node_modules. */
export const TSCONFIG = `{
  // gatehouse-plugin.d.ts declares 'gatehouse/plugin', 'gatehouse/testing', 'valibot' and 'bun:test'
  // for the editor; nothing here is needed at run time.
  "compilerOptions": {
    "target": "ESNext",
    "module": "ESNext",
    "moduleResolution": "bundler",
    "lib": ["ESNext", "DOM", "DOM.Iterable"],
    "types": [],
    "strict": true,
    "noEmit": true,
    "skipLibCheck": true,
    "allowImportingTsExtensions": true,
    "verbatimModuleSyntax": true
  },
  "include": ["*.ts"]
}
`;

import { afterEach, beforeEach, expect, spyOn, test } from 'bun:test';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pluginInitCommand } from './plugin-init.ts';
import { declarationsOf } from './plugin-types.ts';

let dir: string;
let out: ReturnType<typeof spyOn>;
let err: ReturnType<typeof spyOn>;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'plugin-init-'));
  out = spyOn(console, 'log').mockImplementation(() => {});
  err = spyOn(console, 'error').mockImplementation(() => {});
});
afterEach(() => {
  out.mockRestore();
  err.mockRestore();
});

test('from source: writes the four files, types made from the API source', async () => {
  expect(await pluginInitCommand(['audit-log', '--dir', dir])).toBe(0);
  expect(readdirSync(dir).sort()).toEqual(['audit-log.test.ts', 'audit-log.ts', 'gatehouse-plugin.d.ts', 'tsconfig.json']);
  const types = readFileSync(join(dir, 'gatehouse-plugin.d.ts'), 'utf8');
  expect(types.includes('export function definePlugin<S extends OptionsSchema>(plugin: Plugin<S>): Plugin<S>;')).toBe(true);
  expect(types.includes('export function createTestGateway(options?: TestGatewayOptions): Promise<PluginTestGateway>;')).toBe(true);
  expect(/^\s*(export )?declare (?!module ')/m.test(types)).toBe(false);
  expect(readFileSync(join(dir, 'audit-log.ts'), 'utf8')).toContain("name: 'audit-log'");
});

test('refuses names that are not lower-case words with dashes, and a missing folder', async () => {
  for (const name of ['Audit', 'audit_log', '-x', 'x-', '../x', 'a b']) expect(await pluginInitCommand([name, '--dir', dir])).toBe(2);
  expect(await pluginInitCommand(['ok', '--dir', join(dir, 'missing')])).toBe(2);
  expect(await pluginInitCommand(['ok', '--bogus'])).toBe(2);
  expect(readdirSync(dir)).toEqual([]);
});

test('declarationsOf drops function bodies and `declare`', () => {
  const source = `export interface A { f(): void }\nexport function id<T>(x: T): T {\n  return x;\n}\nexport async function later(): Promise<void> {\n  await 0;\n}\ndeclare const k: number;\n`;
  expect(declarationsOf(source)).toBe(`export interface A { f(): void }\nexport function id<T>(x: T): T;\nexport function later(): Promise<void>;\nconst k: number;\n`);
});

test('declarationsOf drops constructor bodies, keeping the class and its fields', () => {
  const source = `export class E extends Error {\n  readonly n: number;\n  constructor(n: number) {\n    super(String(n));\n    this.n = n;\n  }\n}\n`;
  expect(declarationsOf(source)).toBe(`export class E extends Error {\n  readonly n: number;\n  constructor(n: number);\n}\n`);
});
